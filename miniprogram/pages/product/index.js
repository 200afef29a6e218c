// One product: its photos, my price, the suggested retail price and the units available.
const api = require('../../utils/api')
const cart = require('../../utils/cart')
const money = require('../../utils/money')
const { load, initial } = require('../../utils/page')

Component({
  data: { ...initial, product: null, photos: [], priceText: '', retailText: '' },
  methods: {
    onLoad (options) {
      this.productId = Number(options.id)
      return this.load()
    },
    load () {
      return load(this, async () => {
        const product = await api.get(`/api/mp/catalogue/${this.productId}`)
        const photos = product.images && product.images.length ? product.images : [product.image_url].filter(Boolean)
        return { product, photos, priceText: money.display(product.price), retailText: money.display(product.retail_price),
          rangeText: money.range(product.retail_min, product.retail_max) }
      })
    },
    addToCart () {
      cart.add(this.data.product)
      wx.showToast({ title: '已加入购物车', icon: 'success' })
    },
    preview (e) { wx.previewImage({ urls: this.data.photos, current: e.currentTarget.dataset.url }) }
  }
})
