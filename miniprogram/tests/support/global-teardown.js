module.exports = async function () {
  const child = globalThis.__MP_BACKEND__
  if (!child) return
  const exited = new Promise((resolve) => child.on('exit', resolve))
  child.stdin.end()
  await exited
}
