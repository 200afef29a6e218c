// My orders in tabs by status, newest first.
const api = require('../../utils/api')
const money = require('../../utils/money')
const format = require('../../utils/format')
const { load, initial } = require('../../utils/page')

const TABS = [
  { status: '', name: '全部' }, { status: 'awaiting_approval', name: '待审核' }, { status: 'pending_payment', name: '待付款' },
  { status: 'paid', name: '已付款' }, { status: 'stored', name: '已入云仓' }, { status: 'shipped', name: '已发货' },
  { status: 'received', name: '已签收' }, { status: 'cancelled', name: '已取消' }
]

function shown (order) {
  return { ...order, totalText: money.display(order.total), createdText: format.localTime(order.created_at),
    statusText: order.awaiting_confirmation ? '待确认收款' : order.status_name }
}

Component({
  data: { ...initial, tabs: TABS, status: '', orders: [] },
  methods: {
    onLoad (options) {
      this.setData({ status: (options && options.status) || '' })
      return this.load()
    },
    onShow () { if (this.data.state !== 'loading') this.load() },
    load () {
      return load(this, async () => {
        const page = await api.get('/api/mp/orders', { status: this.data.status, per_page: 50 })
        return { orders: page.items.map(shown) }
      }, (data) => !data.orders.length)
    },
    pick (e) {
      this.setData({ status: e.currentTarget.dataset.status })
      return this.load()
    },
    open (e) { wx.navigateTo({ url: `/pages/order/index?id=${e.currentTarget.dataset.id}` }) }
  }
})
