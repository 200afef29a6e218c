// WeChat Pay on the device: wx.requestPayment as a promise, and what to tell the agent when a payment did not go
// through (the server learns the outcome from WeChat Pay's notification, never from this answer).
function requestPayment (params) {
  return new Promise((resolve, reject) => {
    wx.requestPayment({ ...params, success: resolve, fail: reject })
  })
}

// Cancelled by the agent, or failed.
function unpaidNotice (err) {
  return String(err && err.errMsg).includes('cancel') ? '已取消支付，可稍后再付' : '支付未完成，请重试'
}

module.exports = { requestPayment, unpaidNotice }
