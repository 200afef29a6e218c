// My downline's orders waiting for my approval: approve, or reject with a reason.
const api = require('../../utils/api')
const money = require('../../utils/money')
const format = require('../../utils/format')
const { load, act, initial } = require('../../utils/page')

function askReason () {
  return new Promise((resolve) => wx.showModal({
    title: '驳回原因', editable: true, placeholderText: '请填写驳回原因',
    success: (res) => resolve(res.confirm ? (res.content || '').trim() : null)
  }))
}

Component({
  data: { ...initial, orders: [] },
  methods: {
    onLoad () { return this.load() },
    load () {
      return load(this, async () => {
        const page = await api.get('/api/mp/orders/approvals', { per_page: 50 })
        return { orders: page.items.map((order) => ({ ...order, totalText: money.display(order.total), createdText: format.localTime(order.created_at) })) }
      }, (data) => !data.orders.length)
    },
    approve (e) {
      const id = e.currentTarget.dataset.id
      return act(this, () => api.post(`/api/mp/orders/approvals/${id}/approve`, { reason: '' }), () => this.load())
    },
    async reject (e) {
      const id = e.currentTarget.dataset.id
      const reason = await askReason()
      if (reason === null) return
      if (!reason) return wx.showToast({ title: '请填写驳回原因', icon: 'none' })
      return act(this, () => api.post(`/api/mp/orders/approvals/${id}/reject`, { reason }), () => this.load())
    }
  }
})
