const { mount } = require('./support/mount')
const { text, tap, input, until, ERROR } = require('./support/render')

const STOCK = { items: [{ product_id: 1, product_name: '玻尿酸面膜', on_the_way: 5, received: 20, sold: 8, on_hand: 12 }] }
const CATALOGUE = [{ product_id: 1, name: '玻尿酸面膜', retail_price: '199.00', retail_min: '179.10', retail_max: '199.00', price: '89.00', available: 100 }]
const PROFILE = { id: 4, name: '陈小美', level_name: '普通代理', status: 'active', phone: '13800000004', province: '广东省', city: '佛山市',
  term_start: '2026-01-01', term_end: '2027-06-30', invite_code: 'ABCD2345' }

describe('stock', () => {
  test('shows on the way, received, sold and on hand per product', async () => {
    const { comp } = mount('pages/stock', { 'GET /api/mp/me/stock': [200, STOCK] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('在途5已收货20已零售8现有12')
  })
  test('no stock says so', async () => {
    const { comp } = mount('pages/stock', { 'GET /api/mp/me/stock': [200, { items: [] }] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('还没有囤货')
  })
  test('selling opens the retail sale form for that product', async () => {
    const { comp, record } = mount('pages/stock', { 'GET /api/mp/me/stock': [200, STOCK] })
    await comp.instance.onLoad()
    await tap(comp, '.sell-1')
    expect(record.navigations).toEqual(['/pages/sale/index?product=1'])
  })
})

describe('retail sale', () => {
  const RESULT = (outOfRange) => [201, { sale: { id: 1, total: '398.00' }, repeated: false, out_of_range: outOfRange }]
  function sale (answer) {
    const sent = []
    const mounted = mount('pages/sale', { 'GET /api/mp/me/stock': [200, STOCK], 'GET /api/mp/catalogue': [200, CATALOGUE],
      'POST /api/mp/retail-sales': (body) => { sent.push(body); return answer } })
    return { ...mounted, sent }
  }

  test('prefills the suggested retail price and says the range is checked', async () => {
    const { comp } = sale(RESULT(0))
    await comp.instance.onLoad({ product: '1' })
    expect(comp.instance.data.price).toBe('199.00')
    expect(text(comp)).toContain('建议零售价 ¥199.00，控价 ¥179.10–¥199.00')
  })
  test('a price outside the range is warned about before it is sent, and not sent if the agent backs out', async () => {
    const { comp, record, settings, sent } = sale(RESULT(1))
    settings.modalConfirm = false
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.price', '120')
    await comp.instance.submit()
    expect(record.modals[0]).toEqual({ title: '价格超出控价范围', content: '品牌规定的零售价为 ¥179.10–¥199.00，超出范围的零售会报告品牌方，仍要登记吗？' })
    expect(sent).toEqual([])
  })
  test('records the sale with price and quantity', async () => {
    const { comp, sent } = sale(RESULT(0))
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.quantity', '2')
    await input(comp, '.customer-name', '王女士')
    await comp.instance.submit()
    expect(sent[0]).toMatchObject({ customer_name: '王女士', items: [{ product_id: 1, quantity: 2, unit_price: '199.00' }] })
    expect(text(comp)).toContain('已登记，金额 ¥398.00')
  })
  test('an out-of-range price is flagged to the agent after the server reports it', async () => {
    const { comp, record } = sale(RESULT(1))
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.price', '50')
    await input(comp, '.customer-name', '王女士')
    await comp.instance.submit()
    expect(record.modals.map((modal) => modal.title)).toContain('价格超出控价范围')
    expect(text(comp)).toContain('价格超出控价范围，已报告品牌方')
  })
  test('scanned codes go with the sale, the scan page address read as its code, and leave the form after', async () => {
    const { comp, settings, sent } = sale(RESULT(0))
    await comp.instance.onLoad({ product: '1' })
    settings.scanResult = 'https://shop.example.com/v/ABCD1234EFGH5678'
    comp.instance.scanCode()
    comp.instance.scanCode()
    settings.scanResult = 'WXYZ1234ABCD5678'
    comp.instance.scanCode()
    expect(text(comp)).toContain('已添加 2 个')
    await input(comp, '.customer-name', '王女士')
    await comp.instance.submit()
    expect(sent[0].codes).toEqual(['ABCD1234EFGH5678', 'WXYZ1234ABCD5678'])
    expect(comp.instance.data.codes).toEqual([])
  })
  test('selling more than on hand asks first', async () => {
    const { comp, record, settings, sent } = sale(RESULT(0))
    settings.modalConfirm = false
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.quantity', '30')
    await comp.instance.submit()
    expect(record.modals[0].title).toBe('库存不足')
    expect(sent).toEqual([])
  })
  test('a refused sale shows the server message', async () => {
    const { comp } = sale(ERROR(422, 'invalid_input', '输入有误', { customer_name: '必填' }))
    await comp.instance.onLoad({ product: '1' })
    await comp.instance.submit()
    expect(text(comp)).toContain('必填')
  })
  test('without stock on hand there is nothing to sell', async () => {
    const { comp } = mount('pages/sale', { 'GET /api/mp/me/stock': [200, { items: [] }], 'GET /api/mp/catalogue': [200, []] })
    await comp.instance.onLoad({})
    expect(text(comp)).toContain('没有可零售的囤货')
  })
})

describe('team', () => {
  const member = (id, name) => ({ id, name, level_name: '普通代理', province: '广东省', city: '佛山市', depth: 1 })
  const RANKING = { items: [{ rank: 1, agent_id: 5, name: '刘小雨', amount: '5000.00' }, { rank: 2, agent_id: 4, name: '陈小美', amount: '3000.00' }], mine: { rank: 2, amount: '3000.00' } }
  const routes = { 'GET /api/mp/me/team': [200, { total: 2, members: [member(5, '刘小雨')] }],
    'GET /api/mp/agents/5/team': [200, { total: 1, members: [member(9, '周新人')] }], 'GET /api/mp/me/ranking': [200, RANKING],
    'GET /api/mp/agents/5/performance': [200, { agent_id: 5, own_purchase: '3200.00', team_purchase: null, recruits: 1, retail: '0.00' }] }

  test('shows my direct members and the ranking', async () => {
    const { comp } = mount('pages/team', routes)
    await comp.instance.onLoad()
    expect(text(comp)).toContain('团队成员（共 2 人）')
    expect(text(comp)).toContain('刘小雨')
    expect(text(comp)).toContain('我的排名 2¥3,000.00')
  })
  test('tapping a member loads its own members beneath it, and tapping again folds them', async () => {
    const { comp } = mount('pages/team', routes)
    await comp.instance.onLoad()
    await tap(comp, '.member-5')
    await until(() => text(comp).includes('周新人'), 'the member\'s own members')
    expect(text(comp)).toContain('本月进货 ¥3,200.00 · 团队 ¥0.00 · 新增 1 人')
    await tap(comp, '.member-5')
    expect(text(comp)).not.toContain('周新人')
  })
  test('a ranking the server cannot give leaves the tree usable', async () => {
    const { comp } = mount('pages/team', { ...routes, 'GET /api/mp/me/ranking': ERROR(404, 'not_found', '接口不存在') })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('刘小雨')
    expect(text(comp)).toContain('排行暂不可用')
  })
  test('no downline says so and still offers the poster', async () => {
    const { comp } = mount('pages/team', { ...routes, 'GET /api/mp/me/team': [200, { total: 0, members: [] }] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('还没有下级代理')
    expect(text(comp)).toContain('生成邀请海报')
  })
})

describe('money', () => {
  const routes = {
    'GET /api/mp/me/performance': [200, { own_purchase: '12000.00', team_purchase: '30000.00', recruits: 3, retail: '800.00' }],
    'GET /api/mp/finance/balance': [200, { pending: '100.00', available: '250.50', held: '0.00', withdrawn: '1000.00', owed: '0.00' }],
    'GET /api/mp/finance/commissions': [200, { items: [{ id: 1, amount: '36.00', explanation: '下级刘小雨订单 WS42 的一级佣金 3%', created_at: '2026-12-01T00:00:00Z' }] }],
    'GET /api/mp/finance/withdrawals': [200, { items: [{ id: 2, amount: '500.00', status: 'paid', created_at: '2026-11-01T00:00:00Z' }] }],
    'GET /api/mp/finance/goods': [200, { agent_id: 4, balance: '3200.00', held: '100.00' }],
    'GET /api/mp/finance/goods/entries': [200, { items: [
      { id: 7, amount: '-176.00', reason_name: '订单付款', memo: '订单 261202000042 付款', created_at: '2026-12-02T00:00:00Z' },
      { id: 6, amount: '5000.00', reason_name: '充值', memo: '转账充值 #3', created_at: '2026-12-01T00:00:00Z' }] }]
  }
  test('shows the goods balance and its entries, spent and received', async () => {
    const { comp } = mount('pages/money', routes)
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('可用余额¥3,200.00')
    expect(seen).toContain('提现中¥100.00')
    expect(seen).toContain('订单付款 订单 261202000042 付款-¥176.00')
    expect(seen).toContain('+¥5,000.00')
  })
  test('top up and withdraw the goods balance open their pages', async () => {
    const { comp, record } = mount('pages/money', routes)
    await comp.instance.onLoad()
    await tap(comp, '.top-up')
    await tap(comp, '.withdraw-goods')
    expect(record.navigations).toEqual(['/more/topup/index', '/more/withdraw/index?source=goods'])
  })
  test('shows the period figures, balance, commission explanations and withdrawals', async () => {
    const { comp } = mount('pages/money', routes)
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('我的进货¥12,000.00')
    expect(seen).toContain('新增代理3 人')
    expect(seen).toContain('可提现¥250.50')
    expect(seen).toContain('下级刘小雨订单 WS42 的一级佣金 3%')
    expect(seen).toContain('已打款')
  })
  test('last month asks for last month', async () => {
    const { comp, record } = mount('pages/money', routes)
    await comp.instance.onLoad()
    await tap(comp, '.period-last')
    await until(() => comp.instance.data.state === 'ready' && comp.instance.data.period === 'last', 'last month')
    const asked = record.requests.filter((r) => r.url.includes('/performance')).pop().url
    expect(new URL(asked).searchParams.get('start')).toMatch(/-01$/)
  })
  test('a failure shows the server message', async () => {
    const { comp } = mount('pages/money', { ...routes, 'GET /api/mp/finance/balance': ERROR(503, 'database_unavailable', '数据库暂时不可用，请稍后再试') })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('数据库暂时不可用，请稍后再试')
  })
})

describe('me', () => {
  const routes = { 'GET /api/mp/me/profile': [200, PROFILE], 'GET /api/mp/wechat/binding': [200, { bound: true }] }
  test('shows profile, term, binding and subscribed notices', async () => {
    const { comp, storage } = mount('pages/me', routes)
    storage.set('subscriptions', JSON.stringify({ order_shipped: { title: '发货通知', answer: 'accept' } }))
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('陈小美')
    expect(seen).toContain('2026-01-01 至 2027-06-30')
    expect(seen).toContain('已绑定')
    expect(seen).toContain('发货通知已订阅')
  })
  test('unbinding the official account after confirming', async () => {
    let bound = true
    const { comp } = mount('pages/me', { ...routes, 'GET /api/mp/wechat/binding': () => [200, { bound }],
      'DELETE /api/mp/wechat/binding': () => { bound = false; return [204, ''] } })
    await comp.instance.onLoad()
    await comp.instance.unbind()
    expect(text(comp)).toContain('未绑定')
  })
  test('signing out forgets the token', async () => {
    const { comp, record } = mount('pages/me', routes)
    await comp.instance.onLoad()
    await tap(comp, '.sign-out')
    expect(wx.getStorageSync('token')).toBe('')
    expect(record.navigations).toEqual(['/pages/join/index'])
  })
})

describe('poster', () => {
  test('draws my name, level and invite code around the invite image and saves it', async () => {
    const drawn = []
    const { comp, record, wx } = mount('more/poster', { 'GET /api/mp/me/profile': [200, PROFILE],
      'GET /api/mp/me/invite': [200, { invite_code: 'ABCD2345', image_url: '/api/mp/me/invite.png', brand: '玫瑰之约' }] })
    wx.createCanvasContext = () => new Proxy({}, { get: (target, name) => (name === 'draw' ? (keep, done) => done()
      : (...args) => drawn.push([name, ...args])) })
    await comp.instance.onLoad()
    const texts = drawn.filter(([name]) => name === 'fillText').map(([, value]) => value)
    expect(texts).toContain('陈小美 · 普通代理')
    expect(texts).toContain('邀请码 ABCD2345')
    expect(texts).toContain('玫瑰之约')
    expect(drawn.find(([name]) => name === 'drawImage')[1]).toContain('/api/mp/me/invite.png')
    await tap(comp, '.save')
    expect(record.saved).toEqual(['wxfile://poster.png'])
  })
  test('a failed invite image shows a retry', async () => {
    const { comp, wx } = mount('more/poster', { 'GET /api/mp/me/profile': [200, PROFILE],
      'GET /api/mp/me/invite': [200, { invite_code: 'ABCD2345', image_url: '/api/mp/me/invite.png' }] })
    wx.downloadFile = ({ fail }) => fail({ errMsg: 'downloadFile:fail' })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('邀请码图片下载失败，请重试')
  })
})

describe('scan', () => {
  const VERDICT = { verdict: 'genuine', genuine: true, message: '正品，首次查询', product_name: '玻尿酸面膜', product_spec: '10片/盒', lot: 'L2026', scans_before: 0,
    first_scan_at: null, warning: false }
  test('a scanned scan-page URL is looked up by its code and shows the verdict', async () => {
    const { comp, record } = mount('more/scan', { 'GET /api/mp/codes/AB12CD34EF': [200, VERDICT] }, { scanResult: 'https://brand.example/v/AB12CD34EF' })
    expect(text(comp)).toContain('扫描产品上的防伪码')
    await tap(comp, '.scan')
    await until(() => comp.instance.data.state === 'ready', 'the verdict')
    expect(text(comp)).toContain('正品，首次查询')
    expect(record.requests.pop().url).toContain('/api/mp/codes/AB12CD34EF')
  })
  test('my own goods show the order they were shipped in', async () => {
    const { comp } = mount('more/scan', { 'GET /api/mp/codes/X1': [200, { ...VERDICT, my_order: { id: 42, order_no: 'WS42', shipped_at: '2026-12-01T02:00:00Z' } }] })
    await comp.instance.check('X1')
    expect(text(comp)).toContain('这件货随我的订单发出WS42')
  })
  test('goods of an agent the brand shows link to its authorization page', async () => {
    const url = 'https://brand.example/a/SQ2026ABCDEFGH'
    const { comp, record } = mount('more/scan', { 'GET /api/mp/codes/X1': [200, { ...VERDICT, authorization_url: url }] })
    await comp.instance.check('X1')
    expect(text(comp)).toContain('查看授权')
    await tap(comp, '.authorization')
    expect(record.clipboard).toEqual([url])
  })
  test('without the brand showing it there is no authorization link', async () => {
    const { comp } = mount('more/scan', { 'GET /api/mp/codes/X1': [200, { ...VERDICT, authorization_url: null }] })
    await comp.instance.check('X1')
    expect(text(comp)).not.toContain('查看授权')
  })
  test('a lookup refused by the rate limit shows the server words', async () => {
    const { comp } = mount('more/scan', { 'GET /api/mp/codes/X1': ERROR(429, 'rate_limited', '操作过于频繁，请稍后再试') })
    await comp.instance.check('X1')
    expect(text(comp)).toContain('操作过于频繁，请稍后再试')
  })
})

describe('withdraw', () => {
  const routes = { 'GET /api/mp/finance/balance': [200, { available: '250.50' }],
    'GET /api/mp/finance/payees/last': [200, { kind: 'bank', name: '陈小美', account: '6222000011111234', bank: '招商银行' }] }
  test('prefills the last payee and sends the payee with the request', async () => {
    let sent
    const { comp } = mount('more/withdraw', { ...routes, 'POST /api/mp/finance/withdrawals': (body) => { sent = body; return [201, { id: 3, amount: '100.00', status: 'pending' }] } })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('¥250.50')
    expect(comp.instance.data.bank).toBe('招商银行')
    await input(comp, '.amount', '100')
    await comp.instance.submit()
    expect(sent.payee).toEqual({ kind: 'bank', name: '陈小美', account: '6222000011111234', bank: '招商银行' })
    expect(text(comp)).toContain('提现申请已提交')
  })
  test('after a withdrawal the agent may subscribe to the withdrawal notices', async () => {
    const { comp, record } = mount('more/withdraw', { ...routes, 'POST /api/mp/finance/withdrawals': [201, { id: 3, amount: '100.00' }],
      'GET /api/mp/subscribe-templates': [200, { items: [{ kind: 'order_paid', template_id: 'A' }, { kind: 'withdrawal_paid', template_id: 'W', title: '到账通知' }] }] })
    await comp.instance.onLoad()
    await comp.instance.submit()
    await tap(comp, '.subscribe')
    expect(record.subscribed).toEqual([['W']])
  })
  test('a refusal shows the server words and keeps the form', async () => {
    const { comp } = mount('more/withdraw', { ...routes, 'POST /api/mp/finance/withdrawals': ERROR(409, 'insufficient_balance', '可提现余额不足') })
    await comp.instance.onLoad()
    await comp.instance.submit()
    expect(text(comp)).toContain('可提现余额不足')
    expect(text(comp)).toContain('提交提现申请')
  })
  test('a goods withdrawal shows the goods balance and says where the money comes from', async () => {
    let sent
    const { comp } = mount('more/withdraw', { ...routes, 'GET /api/mp/finance/goods': [200, { balance: '800.00', held: '0.00' }],
      'POST /api/mp/finance/withdrawals': (body) => { sent = body; return [201, { id: 4, amount: '100.00', source: 'goods' }] } })
    await comp.instance.onLoad({ source: 'goods' })
    expect(text(comp)).toContain('可提现货款¥800.00')
    await input(comp, '.amount', '100')
    await comp.instance.submit()
    expect(sent.source).toBe('goods')
  })
  test('a first withdrawal has no payee to prefill', async () => {
    const { comp } = mount('more/withdraw', { 'GET /api/mp/finance/balance': [200, { available: '0.00' }] })
    await comp.instance.onLoad()
    expect(comp.instance.data.name).toBe('')
    expect(text(comp)).toContain('微信零钱')
  })
})

describe('confirming receipt of a WeChat transfer', () => {
  const TRANSFER = { withdrawal_id: 7, amount: '200.00', mch_id: '1900009191', app_id: 'wx-mp-test', package: 'ABBQO+oYAAAB' }
  const routes = (status = 'paid') => ({ 'GET /api/mp/finance/withdrawals/7/transfer': [200, TRANSFER],
    'POST /api/mp/finance/withdrawals/7/transfer/refresh': [200, { id: 7, amount: '200.00', status }] })

  test('shows the amount and passes the package to wx.requestMerchantTransfer from a tap', async () => {
    const { comp, record } = mount('more/receive', routes())
    await comp.instance.onLoad({ id: '7' })
    expect(text(comp)).toContain('¥200.00')
    await tap(comp, '.confirm')
    await until(() => text(comp).includes('已到账'))
    expect(record.transfers.map(({ mchId, appId, package: pkg }) => ({ mchId, appId, pkg }))).toEqual([
      { mchId: '1900009191', appId: 'wx-mp-test', pkg: 'ABBQO+oYAAAB' }])
    expect(record.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toContain(
      'POST /api/mp/finance/withdrawals/7/transfer/refresh')
  })
  test('the server, not the tap, says whether it arrived', async () => {
    const { comp } = mount('more/receive', routes('transferring'))
    await comp.instance.onLoad({ id: '7' })
    await comp.instance.confirm()
    expect(text(comp)).toContain('确认中，到账后会通知您')
  })
  test('a cancel in WeChat is a normal outcome and keeps the button', async () => {
    const { comp, record } = mount('more/receive', routes(), {
      merchantTransfer: () => Promise.reject({ errMsg: 'requestMerchantTransfer:fail cancel' }) })
    await comp.instance.onLoad({ id: '7' })
    await comp.instance.confirm()
    expect(text(comp)).toContain('已取消，可稍后再确认收款')
    expect(text(comp)).toContain('确认收款')
    expect(record.requests.some((r) => r.url.endsWith('/refresh'))).toBe(false)
  })
  test('an old WeChat is asked to upgrade', async () => {
    const { comp, record } = mount('more/receive', routes(), { canIUse: () => false })
    await comp.instance.onLoad({ id: '7' })
    await comp.instance.confirm()
    expect(text(comp)).toContain('请升级微信')
    expect(record.transfers).toEqual([])
  })
  test('a transfer not waiting for me says so', async () => {
    const { comp } = mount('more/receive', { 'GET /api/mp/finance/withdrawals/7/transfer':
      ERROR(409, 'not_waiting_confirmation', '该提现当前无需确认收款') })
    await comp.instance.onLoad({ id: '7' })
    expect(text(comp)).toContain('该提现当前无需确认收款')
  })
  test('the money page offers the confirmation for a withdrawal waiting for it', async () => {
    const { comp, record } = mount('pages/money', {
      'GET /api/mp/me/performance': [200, { own_purchase: '0.00', team_purchase: null, retail: null, recruits: 0 }],
      'GET /api/mp/finance/balance': [200, { pending: '0.00', available: '0.00', held: '200.00', withdrawn: '0.00', owed: '0.00' }],
      'GET /api/mp/finance/commissions': [200, { items: [] }],
      'GET /api/mp/finance/withdrawals': [200, { items: [{ id: 7, amount: '200.00', status: 'transferring',
        awaiting_confirmation: true, created_at: '2026-12-01T00:00:00Z' }] }],
      'GET /api/mp/finance/goods': [200, { balance: '0.00', held: '0.00' }],
      'GET /api/mp/finance/goods/entries': [200, { items: [] }] })
    await comp.instance.onLoad()
    await tap(comp, '.receive-7')
    expect(record.navigations).toEqual(['/more/receive/index?id=7'])
  })
})

describe('top up', () => {
  const routes = { 'GET /api/mp/finance/goods': [200, { balance: '120.00', held: '0.00' }],
    'GET /api/mp/finance/goods/top-ups': [200, { items: [{ id: 3, amount: '500.00', method: 'transfer', status: 'pending', created_at: '2026-12-01T00:00:00Z' }] }] }
  test('shows the balance and my top-ups with their status', async () => {
    const { comp } = mount('more/topup', routes)
    await comp.instance.onLoad()
    expect(text(comp)).toContain('¥120.00')
    expect(text(comp)).toContain('银行转账 ¥500.00待确认')
  })
  test('WeChat Pay passes the signed parameters to wx.requestPayment', async () => {
    const payment = { appId: 'wx1', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=wx9', signType: 'MD5', paySign: 'S' }
    let sent
    const { comp, record } = mount('more/topup', { ...routes,
      'POST /api/mp/finance/goods/top-ups/wechat': (body) => { sent = body; return [200, { top_up: { id: 4 }, payment }] } })
    await comp.instance.onLoad()
    await input(comp, '.amount', '300')
    await comp.instance.payByWechat()
    expect(sent.amount).toBe('300')
    expect(record.payments[0]).toMatchObject(payment)
    expect(text(comp)).toContain('到账确认中')
  })
  test('after paying, a top-up WeChat already reports paid says it arrived', async () => {
    const payment = { appId: 'wx1', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=wx9', signType: 'RSA', paySign: 'S' }
    const { comp } = mount('more/topup', { ...routes, 'POST /api/mp/finance/goods/top-ups/wechat': [200, { top_up: { id: 4 }, payment }],
      'POST /api/mp/finance/goods/top-ups/4/check': [200, { id: 4, status: 'confirmed' }] })
    await comp.instance.onLoad()
    await input(comp, '.amount', '300')
    await comp.instance.payByWechat()
    expect(text(comp)).toContain('充值已到账')
  })
  test('without WeChat Pay the page offers the transfer proof', async () => {
    const { comp } = mount('more/topup', { ...routes,
      'POST /api/mp/finance/goods/top-ups/wechat': ERROR(409, 'wechat_pay_not_configured', '品牌尚未开通微信支付，请转账后上传付款凭证') })
    await comp.instance.onLoad()
    await comp.instance.payByWechat()
    expect(text(comp)).toContain('品牌尚未开通微信支付')
    expect(text(comp)).toContain('上传转账凭证')
  })
})

describe('certificate', () => {
  const VIEW = { certificate: { number: 'SQ2026ABCD2345', agent_name: '陈小美', level_name: '区域代理', province: '广东省', city: '佛山市',
    region: '广东省佛山市', term_start: '2026-01-01', term_end: '2027-06-30', current: true },
  status: 'active', status_text: '有效', brand: '玫瑰之约', verify_url: 'https://brand.example/a/SQ2026ABCD2345', wechat_id: '' }
  const routes = { 'GET /api/mp/me/certificate': [200, VIEW] }
  test('shows my number, level, region and term with the image the server drew', async () => {
    const { comp } = mount('more/certificate', routes)
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('SQ2026ABCD2345')
    expect(seen).toContain('区域代理')
    expect(seen).toContain('广东省佛山市')
    expect(seen).toContain('2026-01-01 至 2027-06-30')
    expect(comp.instance.data.image).toContain('/api/mp/me/certificate.png')
  })
  test('saves the image to the album', async () => {
    const { comp, record } = mount('more/certificate', routes)
    await comp.instance.onLoad()
    await tap(comp, '.save')
    await until(() => comp.instance.data.saved, 'saved')
    expect(record.saved).toEqual([comp.instance.data.image])
    expect(text(comp)).toContain('已保存，可发到朋友圈')
  })
  test('a refused album permission explains how to allow it', async () => {
    const { comp, record, wx } = mount('more/certificate', routes)
    wx.saveImageToPhotosAlbum = ({ fail }) => fail({ errMsg: 'saveImageToPhotosAlbum:fail auth deny' })
    await comp.instance.onLoad()
    await comp.instance.save()
    expect(record.modals.pop().content).toContain('允许保存到相册')
    expect(comp.instance.data.saved).toBe(false)
  })
  test('a failed image download shows a retry', async () => {
    const { comp, wx } = mount('more/certificate', routes)
    wx.downloadFile = ({ success }) => success({ statusCode: 503, tempFilePath: '' })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('授权书图片下载失败，请重试')
  })
  test('a suspended agent sees its status said plainly', async () => {
    const { comp } = mount('more/certificate', { 'GET /api/mp/me/certificate': [200, { ...VIEW, status: 'suspended', status_text: '已暂停' }] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('授权当前已暂停')
  })
  test('no certificate yet shows the server reason', async () => {
    const { comp } = mount('more/certificate', { 'GET /api/mp/me/certificate': ERROR(409, 'no_certificate', '代理资格审核通过后才有授权书') })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('代理资格审核通过后才有授权书')
  })
  test('registers my WeChat ID', async () => {
    let sent
    const { comp, record } = mount('more/certificate', { ...routes, 'PUT /api/mp/me/wechat-id': (body) => { sent = body; return [200, { wechat_id: 'rose_shop88' }] } })
    await comp.instance.onLoad()
    await input(comp, '.wechat-id-input', 'Rose_Shop88')
    await comp.instance.saveWechatId()
    expect(sent).toEqual({ wechat_id: 'Rose_Shop88' })
    expect(comp.instance.data.wechatId).toBe('rose_shop88')
    expect(record.toasts).toContain('微信号已登记')
  })
  test('a WeChat ID another agent holds shows the server words', async () => {
    const { comp } = mount('more/certificate', { ...routes, 'PUT /api/mp/me/wechat-id': ERROR(409, 'wechat_id_taken', '该微信号已被其他代理登记，请联系品牌方核实') })
    await comp.instance.onLoad()
    await comp.instance.saveWechatId()
    expect(text(comp)).toContain('该微信号已被其他代理登记')
  })
  test('the me page opens it', async () => {
    const { comp, record } = mount('pages/me', { 'GET /api/mp/me/profile': [200, PROFILE], 'GET /api/mp/wechat/binding': [200, { bound: false }] })
    await comp.instance.onLoad()
    await tap(comp, '.certificate')
    expect(record.navigations).toEqual(['/more/certificate/index'])
  })
})
