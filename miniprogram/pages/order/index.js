// One order: lines, amounts, the event timeline, carrier and tracking (copy), cancel while unpaid, confirm receipt.
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

Component({
  data: { ...initial, order: null, lines: [], amounts: [], events: [] },
  methods: {
    onLoad (options) {
      this.orderId = Number(options.id)
      return this.load()
    },
    load () { return load(this, async () => shown(await api.get(`/api/mp/orders/${this.orderId}`))) },
    copyTracking () { wx.setClipboardData({ data: this.data.order.tracking_no }) },
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
