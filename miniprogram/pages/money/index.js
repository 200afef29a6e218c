// Performance for a period, my commission balance and lines with their explanations, my goods-payment balance
// (货款) with its entries, and withdrawal history.
const api = require('../../utils/api')
const money = require('../../utils/money')
const format = require('../../utils/format')
const { load, initial } = require('../../utils/page')

const BALANCE = [['pending', '待结算'], ['available', '可提现'], ['held', '提现中'], ['withdrawn', '已提现'], ['owed', '待扣回']]

const PERIODS = [{ key: 'this', name: '本月', offset: 0 }, { key: 'last', name: '上月', offset: -1 }]

Component({
  data: { ...initial, periods: PERIODS, period: 'this', performance: [], balance: [], lines: [], withdrawals: [],
    goods: null, goodsEntries: [] },
  methods: {
    onLoad () { return this.load() },
    onShow () { if (this.data.state !== 'loading') this.load() },
    load () {
      const range = format.monthRange(PERIODS.find((item) => item.key === this.data.period).offset)
      return load(this, async () => {
        const [performance, balance, commissions, withdrawals, goods, goodsEntries] = await Promise.all([
          api.get('/api/mp/me/performance', range), api.get('/api/mp/finance/balance'),
          api.get('/api/mp/finance/commissions', { per_page: 50 }), api.get('/api/mp/finance/withdrawals', { per_page: 20 }),
          api.get('/api/mp/finance/goods'), api.get('/api/mp/finance/goods/entries', { per_page: 20 })])
        return {
          performance: [['我的进货', performance.own_purchase], ['团队进货', performance.team_purchase], ['零售', performance.retail]]
            .filter(([, value]) => value !== null).map(([name, value]) => ({ name, text: money.display(value) }))
            .concat([{ name: '新增代理', text: `${performance.recruits} 人` }]),
          balance: BALANCE.map(([key, name]) => ({ key, name, text: money.display(balance[key]) })),
          lines: commissions.items.map((line) => ({ ...line, amountText: money.display(line.amount), at: format.localTime(line.created_at) })),
          withdrawals: withdrawals.items.map((item) => ({ ...item, amountText: money.display(item.amount),
            statusName: format.WITHDRAWAL_STATUS[item.status], sourceName: item.source === 'goods' ? '货款' : '佣金',
            at: format.localTime(item.created_at) })),
          goods: { balanceText: money.display(goods.balance), heldText: money.display(goods.held) },
          goodsEntries: goodsEntries.items.map((entry) => ({ ...entry, at: format.localTime(entry.created_at),
            amountText: (money.toFen(entry.amount) > 0 ? '+' : '') + money.display(entry.amount) }))
        }
      })
    },
    pick (e) {
      this.setData({ period: e.currentTarget.dataset.key })
      return this.load()
    },
    withdraw () { wx.navigateTo({ url: '/more/withdraw/index' }) },
    topUp () { wx.navigateTo({ url: '/more/topup/index' }) },
    withdrawGoods () { wx.navigateTo({ url: '/more/withdraw/index?source=goods' }) },
    receive (e) { wx.navigateTo({ url: `/more/receive/index?id=${e.currentTarget.dataset.id}` }) }
  }
})
