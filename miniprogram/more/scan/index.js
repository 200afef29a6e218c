// Scan to verify: the code's verdict and, for my own goods, the order it was shipped to me in; where the brand shows
// it, the link to the selling agent's authorization page (/a/<授权编号>, a web page: copied, to open in a browser).
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
    openOrder () { wx.navigateTo({ url: `/pages/order/index?id=${this.data.myOrder.id}` }) },
    copyAuthorization () {
      wx.setClipboardData({
        data: this.data.verdict.authorization_url,
        success: () => wx.showToast({ title: '授权查询链接已复制，可在浏览器打开', icon: 'none' })
      })
    }
  }
})
