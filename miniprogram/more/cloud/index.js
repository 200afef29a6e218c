// My cloud stock (云仓): units I bought that the brand keeps for me, how long I have held them, and what I can
// buy from my upline's cloud stock (转货, paid from my goods balance); my latest pickups (提货) and where they are.
const api = require('../../utils/api')
const { load, act, initial } = require('../../utils/page')

Component({
  data: { ...initial, holdings: [], offers: [], pickups: [], quantities: {}, done: '' },
  methods: {
    onLoad () { return this.load() },
    onShow () { if (this.data.state !== 'loading') this.load() },
    load () {
      return load(this, async () => {
        const [holdings, offers, pickups] = await Promise.all([api.get('/api/mp/cloud/stock'),
          api.get('/api/mp/cloud/upline-offers'), api.get('/api/mp/cloud/pickups?per_page=10')])
        return { holdings, offers, pickups: pickups.items }
      }, (data) => !data.holdings.length && !data.offers.length && !data.pickups.length)
    },
    pickup (e) { wx.navigateTo({ url: `/more/pickup/index?product=${e.currentTarget.dataset.id}` }) },
    onQuantity (e) { this.setData({ [`quantities.${e.currentTarget.dataset.id}`]: e.detail.value }) },
    buy (e) {
      const productId = Number(e.currentTarget.dataset.id)
      const quantity = Number(this.data.quantities[productId] || 1)
      if (!Number.isInteger(quantity) || quantity < 1) return wx.showToast({ title: '请填写数量', icon: 'none' })
      return act(this, () => api.post('/api/mp/cloud/transfers', { idempotency_key: api.newKey('transfer'), product_id: productId, quantity }),
        async (result) => {
          this.setData({ done: `已从上级云仓进货 ${result.transfer.quantity} 件，货款 ¥${result.transfer.amount}` })
          await this.load()
        })
    }
  }
})
