// My own stock (囤货): per product on the way, received, sold and on hand.
const api = require('../../utils/api')
const { load, initial } = require('../../utils/page')

Component({
  data: { ...initial, items: [] },
  methods: {
    onLoad () { return this.load() },
    onShow () { if (this.data.state !== 'loading') this.load() },
    load () { return load(this, () => api.get('/api/mp/me/stock'), (data) => !data.items.length) },
    sell (e) { wx.navigateTo({ url: `/pages/sale/index?product=${e.currentTarget.dataset.id}` }) }
  }
})
