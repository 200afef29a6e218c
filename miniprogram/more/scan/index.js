// Scan to verify: the code's verdict and, for my own goods, the order it was shipped to me in.
const api = require('../../utils/api')
const format = require('../../utils/format')
const { load, initial } = require('../../utils/page')

Component({
  data: { ...initial, state: 'idle', verdict: null, myOrder: null },
  methods: {
    scan () {
      wx.scanCode({
        scanType: ['qrCode', 'barCode'],
        success: (res) => this.check(format.codeFrom(res.result)),
        fail: () => {}
      })
    },
    check (code) {
      this.code = code
      return this.load()
    },
    load () {
      return load(this, async () => {
        const verdict = await api.get(`/api/mp/codes/${encodeURIComponent(this.code)}`)
        const myOrder = verdict.my_order ? { ...verdict.my_order, shippedText: format.localTime(verdict.my_order.shipped_at) } : null
        return { verdict: { ...verdict, firstText: format.localTime(verdict.first_scan_at) }, myOrder }
      })
    },
    openOrder () { wx.navigateTo({ url: `/pages/order/index?id=${this.data.myOrder.id}` }) }
  }
})
