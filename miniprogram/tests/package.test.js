// The package as WeChat sees it: every page the server names exists, every page's files are there, the
// copied components match the installed library, and the main package stays under WeChat's 2 MB.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { ROOT } = require('./support/render')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'))
const REPO = path.join(ROOT, '..')
const subpackagePages = app.subPackages.flatMap((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`))
const allPages = [...app.pages, ...subpackagePages]

test('every page the server names in a notice, an invite or a code is in app.json', () => {
  const sources = ['app/agents/invites.py', 'app/notify/templates.py', 'README.md', 'tests/live_backend.py',
    ...fs.readdirSync(path.join(REPO, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)]
    .map((file) => fs.readFileSync(path.join(REPO, file), 'utf8')).join('\n')
  const named = [...new Set([...sources.matchAll(/["'](pages\/[a-z-]+\/index)["']/g)].map((match) => match[1]))]
  expect(named).toContain('pages/join/index')
  expect(named.filter((page) => !allPages.includes(page))).toEqual([])
})

test('every page has its four files', () => {
  const missing = allPages.flatMap((page) => ['js', 'json', 'wxml', 'wxss']
    .map((ext) => `${page}.${ext}`).filter((file) => !fs.existsSync(path.join(ROOT, file))))
  expect(missing).toEqual([])
})

test('miniprogram_npm holds what scripts/build-npm.js copies from the installed library', () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-npm.js'), '--check'], { stdio: 'pipe' })
})

function sizeOf (dir, ignored) {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => {
    const full = path.join(dir, entry.name)
    if (ignored(path.relative(ROOT, full))) return total
    return total + (entry.isDirectory() ? sizeOf(full, ignored) : fs.statSync(full).size)
  }, 0)
}

test('the main package stays under 2 MB', () => {
  const ignoredFolders = project.packOptions.ignore.map((rule) => rule.value)
  const subRoots = app.subPackages.map((pkg) => pkg.root)
  const ignored = (relative) => [...ignoredFolders, ...subRoots].some((name) => relative === name || relative.startsWith(`${name}/`)) ||
    relative.startsWith('.')
  const main = sizeOf(ROOT, ignored)
  const subpackages = subRoots.reduce((total, root) => total + sizeOf(path.join(ROOT, root), () => false), 0)
  console.log(`mini-program main package: ${(main / 1024).toFixed(1)} KB; subpackages: ${(subpackages / 1024).toFixed(1)} KB`)
  expect(main).toBeLessThan(2 * 1024 * 1024)
})
