// One order: lines, amounts, the event timeline, carrier, tracking number (copy) and the parcel's trace, the
// customer's tracking link (copy to send, show retail prices or not, revoke), cancel while unpaid, confirm receipt.
const api = require('../../utils/api')
const money = require('../../utils/money')
const format = require('../../utils/format')
const { load, act, initial } = require('../../utils/page')

const CANCELLABLE = ['awaiting_approval', 'pending_payment']

function confirm (content) {
  return new Promise((resolve) => wx.showModal({ title: '请确认', content, success: (res) => resolve(res.confirm) }))
}

function shown (order) {
  return {
    order,
    statusText: order.awaiting_confirmation ? '待确认收款' : order.status_name,
    lines: order.lines.map((line) => ({ ...line, unitText: money.display(line.unit_price), paidText: money.display(line.paid) })),
    amounts: [['商品金额', order.subtotal], ['等级优惠', `-${order.level_discount}`], ['活动优惠', `-${order.promotion_discount}`],
      ['运费', order.shipping], ['实付', order.total]].map(([name, value]) => ({ name, text: money.display(value) })),
    events: order.events.slice().reverse().map((event) => ({ ...event, at: format.localTime(event.created_at) })),
    canCancel: CANCELLABLE.includes(order.status),
    canPay: order.status === 'pending_payment' && !order.awaiting_confirmation,
    canReceive: order.status === 'shipped'
  }
}

// The trace and share link; an answer the server cannot give (an older server) leaves them out, not the page.
async function tracking (orderId) {
  try {
    return await api.get(`/api/mp/orders/${orderId}/tracking`)
  } catch (err) {
    return { trace: null, link: null }
  }
}

function tracked ({ trace, link }) {
  return {
    trace: trace && { ...trace, lines: trace.lines.map((line) => ({ ...line, at: format.localTime(line.at) })) },
    link
  }
}

Component({
  data: { ...initial, order: null, lines: [], amounts: [], events: [], trace: null, link: null },
  methods: {
    onLoad (options) {
      this.orderId = Number(options.id)
      return this.load()
    },
    load () {
      return load(this, async () => {
        const [order, parcel] = await Promise.all([api.get(`/api/mp/orders/${this.orderId}`), tracking(this.orderId)])
        return { ...shown(order), ...tracked(parcel) }
      })
    },
    copyTracking () { wx.setClipboardData({ data: this.data.order.tracking_no }) },
    // The link the customer opens in WeChat (a web page: a share card could only open the mini-program).
    copyLink () {
      return act(this, () => api.post(`/api/mp/orders/${this.orderId}/tracking-link`, {}), (link) => {
        this.setData({ link })
        wx.setClipboardData({ data: link.url, success: () => wx.showToast({ title: '链接已复制，可粘贴发给客户', icon: 'none' }) })
      })
    },
    togglePrices () {
      const showPrices = !(this.data.link && this.data.link.show_prices)
      return act(this, () => api.post(`/api/mp/orders/${this.orderId}/tracking-link`, { show_prices: showPrices }),
        (link) => this.setData({ link }))
    },
    async revokeLink () {
      if (!await confirm('停用后客户将打不开已发出的链接，确定停用？')) return
      return act(this, () => api.del(`/api/mp/orders/${this.orderId}/tracking-link`), () => this.setData({ link: null }))
    },
    pay () { wx.navigateTo({ url: `/pages/pay/index?id=${this.orderId}` }) },
    async cancel () {
      if (!await confirm('确定取消这个订单吗？')) return
      return act(this, () => api.post(`/api/mp/orders/${this.orderId}/cancel`, { reason: '代理取消' }), () => this.load())
    },
    async receive () {
      if (!await confirm('确认已收到货物？')) return
      return act(this, () => api.post(`/api/mp/orders/${this.orderId}/receive`), () => this.load())
    }
  }
})
