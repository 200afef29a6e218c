// 提货: have some of my cloud units shipped to me or to a customer. Left blank, the consignee is me; shipping is
// charged by the brand's templates from my goods balance.
const api = require('../../utils/api')
const { load, act, field, initial } = require('../../utils/page')

function newKey () {
  return `pickup-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

Component({
  data: { ...initial, holdings: [], index: 0, quantity: '1', name: '', phone: '', province: '', city: '', address: '', pasted: '', result: null },
  methods: {
    onLoad (options) {
      this.wanted = Number(options && options.product)
      this.key = newKey()
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
      return act(this, () => api.post('/api/mp/cloud/pickups', body), (result) => {
        this.key = newKey()
        this.setData({ result: result.pickup })
      })
    }
  }
})
