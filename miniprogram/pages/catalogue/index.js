// The catalogue at my level's price, with the suggested retail price and the units available.
const api = require('../../utils/api')
const cart = require('../../utils/cart')
const money = require('../../utils/money')
const { load, initial } = require('../../utils/page')

function shown (item) {
  return { ...item, cover: (item.images && item.images[0]) || item.image_url || '', priceText: money.display(item.price),
    retailText: money.display(item.retail_price), rangeText: money.range(item.retail_min, item.retail_max) }
}

Component({
  data: { ...initial, items: [], cartCount: 0 },
  methods: {
    onLoad () { return this.load() },
    onShow () { this.setData({ cartCount: cart.count() }) },
    load () {
      return load(this, async () => ({ items: (await api.get('/api/mp/catalogue')).map(shown), cartCount: cart.count() }),
        (data) => !data.items.length)
    },
    addToCart (e) {
      const item = this.data.items.find((entry) => entry.product_id === e.currentTarget.dataset.id)
      if (!item.available) return wx.showToast({ title: '暂时缺货', icon: 'none' })
      cart.add(item)
      this.setData({ cartCount: cart.count() })
      wx.showToast({ title: '已加入购物车', icon: 'success' })
    },
    openProduct (e) { wx.navigateTo({ url: `/pages/product/index?id=${e.currentTarget.dataset.id}` }) },
    openCart () { wx.navigateTo({ url: '/pages/cart/index' }) }
  }
})
