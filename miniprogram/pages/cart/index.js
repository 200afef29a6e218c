// Cart and checkout: the consignee (the last one, a WeChat address, or pasted chat text turned into a draft to
// check), the server's quote, and placing with the cart's idempotency key so a retry never makes two orders.
const api = require('../../utils/api')
const cart = require('../../utils/cart')
const money = require('../../utils/money')
const { load, act, field, initial } = require('../../utils/page')

const LAST_CONSIGNEE = 'lastConsignee'
const EMPTY_CONSIGNEE = { name: '', phone: '', province: '', city: '', district: '', address: '' }

function lines (items) {
  return items.map((item) => ({ ...item, amountText: money.display(money.times(item.price, item.quantity)) }))
}

function quoteText (quote) {
  return {
    subtotal: money.display(quote.subtotal),
    discount: money.display(money.sum([quote.level_discount, quote.promotion_discount])),
    shipping: money.display(quote.shipping),
    total: money.display(quote.total),
    promotion: quote.promotion_name
  }
}

Component({
  data: { ...initial, items: [], consignee: { ...EMPTY_CONSIGNEE }, pasted: '', quote: null, remark: '', toCloud: false },
  methods: {
    onLoad () { return this.load() },
    onShow () { if (this.data.state !== 'loading') this.load() },
    load () {
      return load(this, async () => {
        const { items } = cart.read()
        if (!items.length) return { items: [], quote: null }
        const consignee = this.data.consignee.name ? this.data.consignee : (wx.getStorageSync(LAST_CONSIGNEE) || { ...EMPTY_CONSIGNEE })
        const quote = await api.post('/api/mp/orders/quote', { items: cart.orderItems(cart.read()), province: consignee.province,
          to_cloud: this.data.toCloud })
        return { items: lines(items), consignee, quote: quoteText(quote) }
      }, (data) => !data.items.length)
    },
    change (e) {
      const { id, delta } = e.currentTarget.dataset
      const item = this.data.items.find((entry) => entry.product_id === id)
      cart.setQuantity(id, item.quantity + Number(delta))
      return this.load()
    },
    onField (e) { this.setData({ [`consignee.${e.currentTarget.dataset.name}`]: field(e) }) },
    onPasted (e) { this.setData({ pasted: field(e) }) },
    onRemark (e) { this.setData({ remark: field(e) }) },
    // 存入云仓: the goods stay in the brand's warehouse, held for me (no shipping); 提货 later from 我的云仓.
    onCloud (e) { this.setData({ toCloud: field(e) }); return this.load() },
    chooseAddress () {
      wx.chooseAddress({
        success: (res) => {
          this.setData({ consignee: { name: res.userName, phone: res.telNumber, province: res.provinceName, city: res.cityName,
            district: res.countyName, address: res.detailInfo } })
          this.load()
        }
      })
    },
    recognise () {
      return act(this, () => api.post('/api/mp/orders/quick-entry', { text: this.data.pasted }), (draft) => {
        const consignee = {}
        Object.keys(EMPTY_CONSIGNEE).forEach((name) => { consignee[name] = (draft[name] && draft[name].value) || '' })
        this.setData({ consignee, pasted: '' })
        wx.showToast({ title: '已识别，请核对收货信息', icon: 'none' })
        return this.load()
      })
    },
    place () {
      const current = cart.read()
      const { consignee, remark, toCloud } = this.data
      const body = { idempotency_key: current.idempotencyKey, items: cart.orderItems(current), remark,
        consignee: consignee.name && !toCloud ? consignee : null, to_cloud: toCloud }
      return act(this, () => api.post('/api/mp/orders', body), (order) => {
        if (consignee.name) wx.setStorageSync(LAST_CONSIGNEE, consignee)
        cart.clear()
        wx.redirectTo({ url: `/pages/pay/index?id=${order.id}` })
      })
    }
  }
})
