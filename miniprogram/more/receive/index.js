// Confirming receipt of a withdrawal paid by WeChat Pay's 商家转账: the server hands the transfer's package, the
// agent taps and WeChat asks it to confirm (wx.requestMerchantTransfer, base library 3.3.0+); then the server asks
// WeChat Pay how it stands — WeChat Pay, not this page, marks it paid. Opened as more/receive/index?id=<withdrawal>.
const api = require('../../utils/api')
const money = require('../../utils/money')
const { load, initial } = require('../../utils/page')

const OUTCOMES = { paid: '已到账，请在微信零钱查看', transferring: '确认中，到账后会通知您', failed: '转账未成功，金额已退回可提现余额' }

function requestMerchantTransfer (params) {
  return new Promise((resolve, reject) => {
    wx.requestMerchantTransfer({ ...params, success: resolve, fail: reject })
  })
}

Component({
  data: { ...initial, transfer: null, amountText: '', outcome: '', confirming: false },
  methods: {
    onLoad (options) {
      this.withdrawalId = Number(decodeURIComponent((options && options.id) || ''))
      return this.load()
    },
    load () {
      return load(this, async () => {
        try {
          const transfer = await api.get(`/api/mp/finance/withdrawals/${this.withdrawalId}/transfer`)
          return { transfer, amountText: money.display(transfer.amount) }
        } catch (err) {
          if (err.code === 'not_waiting_confirmation') return { transfer: null, outcome: err.message }
          throw err
        }
      })
    },
    async confirm () {
      const { transfer } = this.data
      if (!transfer || this.data.confirming) return
      if (!wx.canIUse || !wx.canIUse('requestMerchantTransfer')) {
        this.setData({ notice: '请升级微信到最新版本后再确认收款' })
        return
      }
      this.setData({ confirming: true, notice: '' })
      try {
        await requestMerchantTransfer({ mchId: transfer.mch_id, appId: transfer.app_id, package: transfer.package })
      } catch (err) {
        const cancelled = String(err && err.errMsg).includes('cancel')
        this.setData({ confirming: false, notice: cancelled ? '已取消，可稍后再确认收款' : '确认收款未完成，请重试' })
        return
      }
      let withdrawal
      try {
        withdrawal = await api.post(`/api/mp/finance/withdrawals/${this.withdrawalId}/transfer/refresh`)
      } catch (err) {
        withdrawal = { status: 'transferring' }
      }
      this.setData({ confirming: false, transfer: null, outcome: OUTCOMES[withdrawal.status] || OUTCOMES.transferring })
    },
    openMoney () { wx.navigateBack() }
  }
})
