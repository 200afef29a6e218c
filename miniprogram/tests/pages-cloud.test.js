const { mount } = require('./support/mount')
const { text, tap, input } = require('./support/render')

const HOLDINGS = [{ agent_id: 4, agent_name: '陈小美', product_id: 1, product_name: '玻尿酸面膜', unit: '盒', warehouse_id: 2,
  warehouse_name: '华南仓', units: 12, held_since: '2026-10-01T00:00:00Z', held_days: 63, held_months: 2 }]
const OFFERS = [{ product_id: 3, product_name: '精华液', unit: '瓶', price: '90.00', available: 40 }]
const PICKUPS = { items: [{ id: 9, status: 'shipped', status_name: '已发货', consignee: { name: '王女士' }, carrier: '顺丰', tracking_no: 'SF100',
  lines: [{ product_id: 1, product_name: '玻尿酸面膜', quantity: 2 }] }], total: 1, page: 1, per_page: 10 }
const NO_PICKUPS = { items: [], total: 0, page: 1, per_page: 10 }

describe('cloud stock', () => {
  function cloud (transfer) {
    const sent = []
    const mounted = mount('more/cloud', { 'GET /api/mp/cloud/stock': [200, HOLDINGS], 'GET /api/mp/cloud/upline-offers': [200, OFFERS],
      'GET /api/mp/cloud/pickups?per_page=10': [200, PICKUPS], 'POST /api/mp/cloud/transfers': (body) => { sent.push(body); return transfer } })
    return { ...mounted, sent }
  }

  test('shows my cloud units, where and how long they are held', async () => {
    const { comp } = cloud()
    await comp.instance.onLoad()
    expect(text(comp)).toContain('玻尿酸面膜12盒')
    expect(text(comp)).toContain('华南仓已存 63 天')
  })
  test('nothing held and nothing offered says so', async () => {
    const { comp } = mount('more/cloud', { 'GET /api/mp/cloud/stock': [200, []], 'GET /api/mp/cloud/upline-offers': [200, []],
      'GET /api/mp/cloud/pickups?per_page=10': [200, NO_PICKUPS] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('云仓里还没有货')
  })
  test('my pickups show where they are', async () => {
    const { comp } = cloud()
    await comp.instance.onLoad()
    expect(text(comp)).toContain('#9 王女士已发货')
    expect(text(comp)).toContain('顺丰 SF100')
  })
  test('提货 opens the pickup form for that product', async () => {
    const { comp, record } = cloud()
    await comp.instance.onLoad()
    await tap(comp, '.pickup-1')
    expect(record.navigations).toEqual(['/more/pickup/index?product=1'])
  })
  test('buying from the upline sends the quantity and says what it cost', async () => {
    const { comp, sent } = cloud([201, { transfer: { id: 7, quantity: 3, amount: '270.00' }, product_name: '精华液', repeated: false }])
    await comp.instance.onLoad()
    await input(comp, '.quantity-3', '3')
    await comp.instance.buy({ currentTarget: { dataset: { id: 3 } } })
    expect(sent[0]).toMatchObject({ product_id: 3, quantity: 3 })
    expect(text(comp)).toContain('已从上级云仓进货 3 件，货款 ¥270.00')
  })
  test('an upline short of units is said as the server words it', async () => {
    const { comp } = cloud([409, { error: { code: 'insufficient_cloud_stock', message: '云仓库存不足：「精华液」可用 2瓶，需要 3瓶', fields: {} } }])
    await comp.instance.onLoad()
    await comp.instance.buy({ currentTarget: { dataset: { id: 3 } } })
    expect(text(comp)).toContain('云仓库存不足')
  })
})

describe('pickup', () => {
  function pickup (answer) {
    const sent = []
    const mounted = mount('more/pickup', { 'GET /api/mp/cloud/stock': [200, HOLDINGS],
      'POST /api/mp/cloud/pickups': (body) => { sent.push(body); return answer } })
    return { ...mounted, sent }
  }

  test('sends the product, quantity and consignee, and shows the pickup', async () => {
    const { comp, sent } = pickup([201, { pickup: { id: 9, status: 'waiting', status_name: '待配货', shipping: '12.00' }, repeated: false }])
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.quantity', '2')
    await input(comp, '.name', '王女士')
    await input(comp, '.address', '天河路1号')
    await comp.instance.submit()
    expect(sent[0]).toMatchObject({ items: [{ product_id: 1, quantity: 2 }], consignee: { name: '王女士', address: '天河路1号' } })
    expect(text(comp)).toContain('已提交提货单 #9，待配货，运费 ¥12.00')
  })
  test('a balance short of the shipping pays the shortfall by WeChat Pay and sends the same pickup again', async () => {
    const sent = []
    const answers = [[409, { error: { code: 'insufficient_goods_balance', message: '货款余额不足：余额5.00元，还差7.00元', fields: { shortfall: '7.00' } } }],
      [201, { pickup: { id: 9, status: 'waiting', status_name: '待配货', shipping: '12.00' }, repeated: false }]]
    const { comp } = mount('more/pickup', { 'GET /api/mp/cloud/stock': [200, HOLDINGS],
      'POST /api/mp/cloud/pickups': (body) => { sent.push(body); return answers.shift() },
      'POST /api/mp/finance/goods/top-ups/wechat': (body) => { sent.push(body); return [200, { top_up: { id: 5 }, payment: { package: 'prepay_id=1' } }] },
      'POST /api/mp/finance/goods/top-ups/5/check': [200, { id: 5, status: 'confirmed' }] })
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.address', '天河路1号')
    await comp.instance.submit()
    expect(text(comp)).toContain('微信支付补足运费 ¥7.00 并提货')
    await comp.instance.payShortfall()
    expect(sent[1]).toMatchObject({ amount: '7.00' })
    expect(sent[2].idempotency_key).toBe(sent[0].idempotency_key)
    expect(text(comp)).toContain('已提交提货单 #9')
    expect(text(comp)).not.toContain('补足运费')
  })
  test('a cancelled payment of the shortfall sends nothing more', async () => {
    const sent = []
    const { comp } = mount('more/pickup', { 'GET /api/mp/cloud/stock': [200, HOLDINGS],
      'POST /api/mp/cloud/pickups': (body) => { sent.push(body); return [409, { error: { code: 'insufficient_goods_balance', message: '货款余额不足', fields: { shortfall: '7.00' } } }] },
      'POST /api/mp/finance/goods/top-ups/wechat': [200, { top_up: { id: 5 }, payment: {} }] },
    { payment: () => Promise.reject({ errMsg: 'requestPayment:fail cancel' }) })
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.address', '天河路1号')
    await comp.instance.submit()
    await comp.instance.payShortfall()
    expect(sent.length).toBe(1)
    expect(text(comp)).toContain('已取消支付')
  })
  test('pasted chat text fills the consignee', async () => {
    const guess = (value) => ({ value, confidence: 'high', reason: '' })
    const { comp } = mount('more/pickup', { 'GET /api/mp/cloud/stock': [200, HOLDINGS],
      'POST /api/mp/orders/quick-entry': [200, { name: guess('张三'), phone: guess('13900000000'), province: guess('广东省'),
        city: guess('深圳市'), district: guess('南山区'), address: guess('科技园1号'), remark: guess(''), items: [] }] })
    await comp.instance.onLoad({ product: '1' })
    await input(comp, '.pasted', '张三 13900000000 广东省深圳市南山区科技园1号')
    await comp.instance.recognise()
    expect(comp.instance.data).toMatchObject({ name: '张三', phone: '13900000000', city: '深圳市', address: '南山区科技园1号' })
  })
  test('without an address nothing is sent', async () => {
    const { comp, sent } = pickup()
    await comp.instance.onLoad({ product: '1' })
    await comp.instance.submit()
    expect(sent).toEqual([])
  })
})
