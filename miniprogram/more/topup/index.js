// Topping up my goods-payment balance (货款): by WeChat Pay (credited when the server's notification arrives, not
// by this page), or by bank transfer with a proof photo that finance confirms. Below, my recent top-ups.
const api = require('../../utils/api')
const { requestPayment, unpaidNotice } = require('../../utils/pay')
const money = require('../../utils/money')
const format = require('../../utils/format')
const { load, act, field, initial } = require('../../utils/page')

const STATUS = { pending: '待确认', confirmed: '已到账', rejected: '已拒绝', closed: '已关闭' }

function chooseImage () {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({ count: 1, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles[0].tempFilePath), fail: reject })
  })
}

Component({
  data: { ...initial, balanceText: '', amount: '', reference: '', mode: 'wechat', topUps: [], done: '' },
  methods: {
    onLoad () {
      this.requestId = api.newKey('tu')
      return this.load()
    },
    load () {
      return load(this, async () => {
        const [balance, topUps] = await Promise.all([api.get('/api/mp/finance/goods'),
          api.get('/api/mp/finance/goods/top-ups', { per_page: 20 })])
        return { balanceText: money.display(balance.balance),
          topUps: topUps.items.map((item) => ({ ...item, amountText: money.display(item.amount),
            statusName: item.status === 'pending' && item.method === 'wechat' ? '待支付' : STATUS[item.status],
            methodName: item.method === 'wechat' ? '微信支付' : '银行转账', at: format.localTime(item.created_at) })) }
      })
    },
    onAmount (e) { this.setData({ amount: field(e) }) },
    onReference (e) { this.setData({ reference: field(e) }) },
    useTransfer () { this.setData({ mode: 'transfer' }) },
    useWechat () { this.setData({ mode: 'wechat' }) },
    async payByWechat () {
      const started = await act(this, () => api.post('/api/mp/finance/goods/top-ups/wechat',
        { amount: this.data.amount, request_id: this.requestId }))
      if (!started) {
        if (this.data.notice.includes('转账')) this.setData({ mode: 'transfer' })
        return
      }
      try {
        await requestPayment(started.payment)
      } catch (err) {
        this.setData({ notice: unpaidNotice(err) })
        return
      }
      this.requestId = api.newKey('tu')
      let checked = null
      try { checked = await api.post(`/api/mp/finance/goods/top-ups/${started.top_up.id}/check`) } catch (err) { checked = null }
      this.setData({ done: checked && checked.status === 'confirmed' ? '充值已到账' : '支付成功，到账确认中，稍后刷新查看余额' })
      await this.load()
    },
    async uploadProof () {
      let filePath
      try { filePath = await chooseImage() } catch (err) { return }
      return act(this, () => api.upload('/api/mp/finance/goods/top-ups', filePath, 'image',
        { amount: this.data.amount, reference: this.data.reference, request_id: this.requestId }), async () => {
        this.requestId = api.newKey('tu')
        this.setData({ done: '凭证已提交，财务确认收款后到账', amount: '', reference: '' })
        await this.load()
      })
    }
  }
})
