// Paying an order: from my goods-payment balance (货款余额, paid at once) when it covers the total; WeChat Pay when
// the brand has it (APIv3 or v2, the server decides; the parameters go to wx.requestPayment as they come; the
// server's notification, not this page, marks it paid); otherwise a bank transfer whose proof photo is uploaded,
// the order then showing 待确认收款 until finance confirms.
const api = require('../../utils/api')
const { requestPayment, unpaidNotice } = require('../../utils/pay')
const money = require('../../utils/money')
const subscribe = require('../../utils/subscribe')
const { load, act, field, initial } = require('../../utils/page')

// After wx.requestPayment succeeds the order is paid when WeChat Pay's notification reaches the server (or the
// server's query finds the payment): look a few times, then leave 支付结果确认中 on the page.
const PAID_CHECKS = 3
const PAID_CHECK_DELAY_MS = 1000
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// My goods balance, or null when it cannot be read now (the other ways to pay still work).
async function goodsBalance () {
  try { return await api.get('/api/mp/finance/goods') } catch (err) { return null }
}

function chooseImage () {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({ count: 1, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles[0].tempFilePath), fail: reject })
  })
}

Component({
  data: { ...initial, order: null, totalText: '', mode: 'wechat', reference: '', templates: [], subscribed: false, paying: false,
    goods: null },
  methods: {
    async onLoad (options) {
      this.orderId = Number(options.id)
      await this.load()
      this.setData({ templates: await subscribe.templatesFor(subscribe.afterOrder) })
    },
    load () {
      return load(this, async () => {
        const [order, balance] = await Promise.all([api.get(`/api/mp/orders/${this.orderId}`), goodsBalance()])
        const goods = balance && { text: money.display(balance.balance),
          enough: money.toFen(balance.balance) >= money.toFen(order.total),
          shortText: money.display(money.fromFen(Math.max(0, money.toFen(order.total) - money.toFen(balance.balance)))) }
        return { order, totalText: money.display(order.total), goods }
      })
    },
    onReference (e) { this.setData({ reference: field(e) }) },
    useTransfer () { this.setData({ mode: 'transfer' }) },
    async payByWechat () {
      let params
      try {
        params = await api.post(`/api/mp/orders/${this.orderId}/wechat-payment`)
      } catch (err) {
        this.setData({ notice: err.message, mode: err.code === 'wechat_pay_not_configured' ? 'transfer' : 'wechat' })
        return
      }
      try {
        await requestPayment(params)
      } catch (err) {
        this.setData({ notice: unpaidNotice(err) })
        return
      }
      this.setData({ paying: true })
      await this.waitUntilPaid()
    },
    async waitUntilPaid () {
      for (let check = 0; check < PAID_CHECKS; check++) {
        if (check) await pause(PAID_CHECK_DELAY_MS)
        await this.load()
        if (!this.data.order || this.data.order.status !== 'pending_payment') return
      }
    },
    payByGoods () {
      return act(this, () => api.post(`/api/mp/orders/${this.orderId}/goods-payment`), (order) => this.setData({ order }))
    },
    topUp () { wx.navigateTo({ url: '/more/topup/index' }) },
    async uploadProof () {
      let filePath
      try { filePath = await chooseImage() } catch (err) { return }
      return act(this, () => api.upload(`/api/mp/orders/${this.orderId}/payment-proof`, filePath, 'image',
        { reference: this.data.reference }), (order) => this.setData({ order }))
    },
    async subscribe () {
      const answers = await subscribe.ask(this.data.templates)
      subscribe.remember(this.data.templates, answers)
      this.setData({ subscribed: true })
    },
    openOrder () { wx.redirectTo({ url: `/pages/order/index?id=${this.orderId}` }) }
  }
})
