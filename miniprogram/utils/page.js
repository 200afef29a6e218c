// Every page shows one of four states: loading, ready, empty (nothing to show) or error (with a retry).
async function load (page, fetch, isEmpty) {
  page.setData({ state: 'loading', error: '' })
  try {
    const data = await fetch()
    page.setData({ ...data, state: isEmpty && isEmpty(data) ? 'empty' : 'ready' })
  } catch (err) {
    page.setData({ state: 'error', error: err.message })
  }
}

// Run a tapped action; its failure is shown as the server words it, and the page stays as it was.
async function act (page, action, done) {
  if (page.data.busy) return
  page.setData({ busy: true, notice: '' })
  try {
    const result = await action()
    page.setData({ busy: false })
    if (done) await done(result)
    return result
  } catch (err) {
    page.setData({ busy: false, notice: err.message })
    wx.showToast({ title: err.message, icon: 'none' })
  }
}

function field (event) {
  return event.detail.value
}

module.exports = { load, act, field, initial: { state: 'loading', error: '', busy: false, notice: '' } }
