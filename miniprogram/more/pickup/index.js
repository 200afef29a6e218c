// 提货: have some of my cloud units shipped to me or to a customer. Left blank, the consignee is me; shipping is
// charged by the brand's templates from my goods balance. When the balance is short, the page offers to pay just the
// shortfall by WeChat Pay (a goods top-up, credited by the server's payment notification) and then sends the same
// pickup again, under the same key.
const api = require('../../utils/api')
const { requestPayment, unpaidNotice } = require('../../utils/pay')
const { load, act, field, initial } = require('../../utils/page')

Component({
  data: { ...initial, holdings: [], index: 0, quantity: '1', name: '', phone: '', province: '', city: '', address: '', pasted: '', result: null, shortfall: '' },
  methods: {
    onLoad (options) {
      this.wanted = Number(options && options.product)
      this.key = api.newKey('pickup')
      this.requestId = api.newKey('tu')
      return this.load()
    },
    load () {
      return load(this, async () => {
        const holdings = await api.get('/api/mp/cloud/stock')
        return { holdings, index: Math.max(0, holdings.findIndex((item) => item.product_id === this.wanted)) }
      }, (data) => !data.holdings.length)
    },
    onProduct (e) { this.setData({ index: Number(field(e)) }) },
    onQuantity (e) { this.setData({ quantity: field(e) }) },
    onName (e) { this.setData({ name: field(e) }) },
    onPhone (e) { this.setData({ phone: field(e) }) },
    onProvince (e) { this.setData({ province: field(e) }) },
    onCity (e) { this.setData({ city: field(e) }) },
    onAddress (e) { this.setData({ address: field(e) }) },
    onPasted (e) { this.setData({ pasted: field(e) }) },
    // Quick entry: the customer's chat text read into the consignee, as at checkout.
    recognise () {
      return act(this, () => api.post('/api/mp/orders/quick-entry', { text: this.data.pasted }), (draft) => {
        const value = (name) => (draft[name] && draft[name].value) || ''
        this.setData({ name: value('name'), phone: value('phone'), province: value('province'), city: value('city'),
          address: [value('district'), value('address')].join(''), pasted: '' })
      })
    },
    submit () {
      const { holdings, index, quantity, name, phone, province, city, address } = this.data
      const count = Number(quantity)
      if (!Number.isInteger(count) || count < 1) return wx.showToast({ title: '请填写数量', icon: 'none' })
      if (!address.trim()) return wx.showToast({ title: '请填写详细地址', icon: 'none' })
      const body = { idempotency_key: this.key, items: [{ product_id: holdings[index].product_id, quantity: count }],
        consignee: { name, phone, province, city, address } }
      return act(this, async () => {
        try {
          return await api.post('/api/mp/cloud/pickups', body)
        } catch (err) {
          this.setData({ shortfall: err.code === 'insufficient_goods_balance' ? err.fields.shortfall || '' : '' })
          throw err
        }
      }, (result) => {
        this.key = api.newKey('pickup')
        this.setData({ result: result.pickup, shortfall: '' })
      })
    },
    async payShortfall () {
      const started = await act(this, () => api.post('/api/mp/finance/goods/top-ups/wechat',
        { amount: this.data.shortfall, request_id: this.requestId }))
      if (!started) return
      try {
        await requestPayment(started.payment)
      } catch (err) {
        this.setData({ notice: unpaidNotice(err) })
        return
      }
      this.requestId = api.newKey('tu')
      try { await api.post(`/api/mp/finance/goods/top-ups/${started.top_up.id}/check`) } catch (err) { /* the notification credits it */ }
      this.setData({ shortfall: '' })
      return this.submit()
    }
  }
})
