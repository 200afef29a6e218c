// Record a retail sale from my stock: product, quantity, unit price, the customer and, optionally, the item codes
// scanned off the goods. The server checks the price against my level's range and reports a sale outside it to
// the brand; the page says so.
const api = require('../../utils/api')
const format = require('../../utils/format')
const money = require('../../utils/money')
const { load, act, field, initial } = require('../../utils/page')

function confirm (title, content) {
  return new Promise((resolve) => wx.showModal({ title, content, success: (res) => resolve(res.confirm) }))
}

Component({
  data: { ...initial, products: [], index: 0, quantity: '1', price: '', customerName: '', customerPhone: '', codes: [], result: null },
  methods: {
    onLoad (options) {
      this.wanted = Number(options && options.product)
      this.clientRef = api.newKey('sale')
      return this.load()
    },
    load () {
      return load(this, async () => {
        const [stock, catalogue] = await Promise.all([api.get('/api/mp/me/stock'), api.get('/api/mp/catalogue')])
        const listed = Object.fromEntries(catalogue.map((item) => [item.product_id, item]))
        const products = stock.items.filter((item) => item.on_hand > 0).map((item) => {
          const entry = listed[item.product_id] || {}
          return { ...item, retail: entry.retail_price || '', min: entry.retail_min, max: entry.retail_max,
            retailText: money.display(entry.retail_price || '0'), rangeText: money.range(entry.retail_min, entry.retail_max) }
        })
        const index = Math.max(0, products.findIndex((item) => item.product_id === this.wanted))
        return { products, index, price: products.length ? products[index].retail : '' }
      }, (data) => !data.products.length)
    },
    onProduct (e) { this.setData({ index: Number(field(e)) }) },
    onQuantity (e) { this.setData({ quantity: field(e) }) },
    onPrice (e) { this.setData({ price: field(e) }) },
    onCustomerName (e) { this.setData({ customerName: field(e) }) },
    onCustomerPhone (e) { this.setData({ customerPhone: field(e) }) },
    scanCode () {
      wx.scanCode({
        success: ({ result }) => {
          const code = format.codeFrom(result)
          if (code && !this.data.codes.includes(code)) this.setData({ codes: [...this.data.codes, code] })
        },
        fail: () => {} // a cancelled scan is a normal outcome
      })
    },
    removeCode (e) { this.setData({ codes: this.data.codes.filter((code) => code !== e.currentTarget.dataset.code) }) },
    async submit () {
      const { products, index, quantity, price, customerName, customerPhone, codes } = this.data
      const product = products[index]
      const count = Number(quantity)
      if (!Number.isInteger(count) || count < 1) return wx.showToast({ title: '请填写数量', icon: 'none' })
      if (Number.isNaN(money.toFen(price))) return wx.showToast({ title: '请填写正确的单价', icon: 'none' })
      if (count > product.on_hand && !await confirm('库存不足', `现有 ${product.on_hand}，仍要登记 ${count} 件吗？`)) return
      if (money.outside(price, product.min, product.max) &&
        !await confirm('价格超出控价范围', `品牌规定的零售价为 ${product.rangeText}，超出范围的零售会报告品牌方，仍要登记吗？`)) return
      const body = { client_ref: this.clientRef, customer_name: customerName, customer_phone: customerPhone,
        items: [{ product_id: product.product_id, quantity: count, unit_price: price }], codes }
      return act(this, () => api.post('/api/mp/retail-sales', body), (result) => {
        this.clientRef = api.newKey('sale')
        this.setData({ codes: [], result: { ...result, totalText: money.display(result.sale.total) } })
        if (result.out_of_range) {
          wx.showModal({ title: '价格超出控价范围', content: '这笔零售的价格不在品牌规定的范围内，已报告品牌方。', showCancel: false })
        }
      })
    }
  }
})
