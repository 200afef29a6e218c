// Subscribe messages: the brand's template ids per notice kind come from the server, never from the package.
// wx.requestSubscribeMessage must be called from a tap, with at most 3 ids.
const api = require('./api')

async function templatesFor (wanted) {
  try {
    const { items } = await api.get('/api/mp/subscribe-templates')
    return items.filter((item) => wanted(item.kind)).slice(0, 3)
  } catch (err) {
    return []
  }
}

function ask (templates) {
  return new Promise((resolve) => {
    if (!templates.length) return resolve({})
    wx.requestSubscribeMessage({
      tmplIds: templates.map((item) => item.template_id),
      success: (res) => resolve(res),
      fail: () => resolve({})
    })
  })
}

// What the agent answered, per notice kind, kept on the device for the Me page.
function remember (templates, answers) {
  const kept = wx.getStorageSync('subscriptions') || {}
  templates.forEach((item) => {
    if (answers[item.template_id]) kept[item.kind] = { title: item.title, answer: answers[item.template_id] }
  })
  wx.setStorageSync('subscriptions', kept)
}

module.exports = {
  templatesFor,
  ask,
  remember,
  afterOrder: (kind) => kind === 'order_paid' || kind === 'order_shipped',
  afterWithdrawal: (kind) => kind.startsWith('withdrawal_')
}
