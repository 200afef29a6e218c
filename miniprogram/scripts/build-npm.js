// "构建 npm" without DevTools: copy the @vant/weapp components the pages use (and what they use) into
// miniprogram_npm/, from the package's CommonJS build so DevTools and the jest tests run the same files.
// `node scripts/build-npm.js --check` fails when the committed copy differs from what this would write.
const fs = require('fs')
const path = require('path')

const ROOT = path.join(__dirname, '..')
const SOURCE = path.join(ROOT, 'node_modules', '@vant', 'weapp', 'lib')
const TARGET = path.join(ROOT, 'miniprogram_npm', '@vant', 'weapp')
const USED = ['tag', 'loading']
const SHARED = ['common', 'mixins', 'wxs']

function withDependencies (names) {
  const seen = new Set()
  const visit = (name) => {
    if (seen.has(name)) return
    seen.add(name)
    const manifest = path.join(SOURCE, name, 'index.json')
    if (!fs.existsSync(manifest)) return
    const using = JSON.parse(fs.readFileSync(manifest, 'utf8')).usingComponents || {}
    Object.values(using).forEach((target) => visit(target.split('/')[1]))
  }
  names.forEach(visit)
  return [...seen].sort()
}

function filesUnder (dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(full) : [full]
  }).filter((file) => !file.endsWith('.d.ts'))
}

function plannedFiles () {
  const files = new Map()
  for (const name of [...SHARED, ...withDependencies(USED)]) {
    for (const file of filesUnder(path.join(SOURCE, name))) {
      files.set(path.relative(SOURCE, file), fs.readFileSync(file))
    }
  }
  return files
}

function main (check) {
  const planned = plannedFiles()
  if (check) {
    const present = fs.existsSync(TARGET) ? filesUnder(TARGET).map((file) => path.relative(TARGET, file)) : []
    const differing = [...planned].filter(([name, content]) => {
      const file = path.join(TARGET, name)
      return !fs.existsSync(file) || !fs.readFileSync(file).equals(content)
    }).map(([name]) => name)
    const extra = present.filter((name) => !planned.has(name))
    if (differing.length || extra.length) {
      console.error('miniprogram_npm/ is out of date; run npm run build-npm:', [...differing, ...extra].join(', '))
      process.exit(1)
    }
    return
  }
  fs.rmSync(TARGET, { recursive: true, force: true })
  for (const [name, content] of planned) {
    fs.mkdirSync(path.dirname(path.join(TARGET, name)), { recursive: true })
    fs.writeFileSync(path.join(TARGET, name), content)
  }
  console.log(`miniprogram_npm/@vant/weapp: ${planned.size} files`)
}

main(process.argv.includes('--check'))
