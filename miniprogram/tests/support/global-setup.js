// Start the real backend (tests/live_backend.py: SQLite, fake WeChat and WeChat Pay, demo brand) once for the
// journeys; its URLs go to the tests through an environment variable.
const { spawn } = require('child_process')
const fs = require('fs')
const path = require('path')

const REPO = path.join(__dirname, '..', '..', '..')

function python () {
  if (process.env.MP_PYTHON) return process.env.MP_PYTHON
  const venv = path.join(REPO, '.venv', 'bin', 'python')
  return fs.existsSync(venv) ? venv : 'python3'
}

module.exports = async function () {
  const log = fs.openSync(path.join(require('os').tmpdir(), 'weishang-mp-backend.log'), 'w')
  const child = spawn(python(), ['-m', 'tests.live_backend'], { cwd: REPO, stdio: ['pipe', 'pipe', log] })
  globalThis.__MP_BACKEND__ = child
  const line = await new Promise((resolve, reject) => {
    let buffer = ''
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0])
    })
    child.on('exit', (code) => reject(new Error(`live backend exited (${code}); see weishang-mp-backend.log`)))
  })
  process.env.MP_BACKEND = line
}
