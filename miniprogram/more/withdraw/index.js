// A withdrawal from my available commission — or, opened with ?source=goods, from my goods-payment balance (货款) — to
// a payee account (prefilled with the last one I used); afterwards I may subscribe to the withdrawal notices.
const api = require('../../utils/api')
const money = require('../../utils/money')
const subscribe = require('../../utils/subscribe')
const { load, act, field, initial } = require('../../utils/page')

const KINDS = [{ kind: 'wechat', name: '微信零钱' }, { kind: 'bank', name: '银行卡' }, { kind: 'alipay', name: '支付宝' }]

async function lastPayee () {
  try {
    return await api.get('/api/mp/finance/payees/last')
  } catch (err) {
    if (err.status === 404) return null
    throw err
  }
}

Component({
  data: { ...initial, kinds: KINDS, kindIndex: 0, amount: '', name: '', account: '', bank: '', availableText: '',
    done: null, templates: [], subscribed: false, source: 'commission' },
  methods: {
    onLoad (options) {
      this.requestId = api.newKey('wd')
      this.setData({ source: options && options.source === 'goods' ? 'goods' : 'commission' })
      return this.load()
    },
    load () {
      return load(this, async () => {
        const goods = this.data.source === 'goods'
        const [balance, payee] = await Promise.all([api.get(goods ? '/api/mp/finance/goods' : '/api/mp/finance/balance'),
          lastPayee()])
        const prefill = payee && payee.kind ? { kindIndex: Math.max(0, KINDS.findIndex((item) => item.kind === payee.kind)),
          name: payee.name || '', account: payee.account || '', bank: payee.bank || '' } : {}
        return { availableText: money.display(goods ? balance.balance : balance.available), ...prefill }
      })
    },
    onKind (e) { this.setData({ kindIndex: Number(field(e)) }) },
    onAmount (e) { this.setData({ amount: field(e) }) },
    onName (e) { this.setData({ name: field(e) }) },
    onAccount (e) { this.setData({ account: field(e) }) },
    onBank (e) { this.setData({ bank: field(e) }) },
    submit () {
      const { kinds, kindIndex, amount, name, account, bank } = this.data
      const kind = kinds[kindIndex].kind
      const payee = kind === 'wechat' ? { kind, name } : { kind, name, account, bank }
      return act(this, () => api.post('/api/mp/finance/withdrawals',
        { amount, request_id: this.requestId, payee, source: this.data.source }),
        async (withdrawal) => {
          this.requestId = api.newKey('wd')
          this.setData({ done: { ...withdrawal, amountText: money.display(withdrawal.amount) },
            templates: await subscribe.templatesFor(subscribe.afterWithdrawal) })
        })
    },
    async subscribe () {
      const answers = await subscribe.ask(this.data.templates)
      subscribe.remember(this.data.templates, answers)
      this.setData({ subscribed: true })
    }
  }
})
