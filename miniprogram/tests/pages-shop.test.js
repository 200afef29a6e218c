const { mount } = require('./support/mount')
const { text, tap, input, until, ERROR } = require('./support/render')

const ITEM = { product_id: 1, name: '玻尿酸面膜', spec: '10片/盒', unit: '盒', image_url: '', images: ['https://brand.example/media/products/1.jpg'],
  retail_price: '199.00', retail_min: '179.10', retail_max: '199.00', price: '89.00', available: 120 }
const QUOTE = { lines: [], subtotal: '178.00', level_discount: '0.00', promotion_discount: '10.00', promotion_name: '双十二', shipping: '8.00', total: '176.00' }
const OFFLINE = { offline: true }

describe('home', () => {
  const HOME = { agent: { id: 4, name: '陈小美', level_name: '普通代理', status: 'active', term_ends_on: '2027-06-30' },
    todo: { orders_to_pay: 2, approvals_waiting: 1, low_stock: [{ product_id: 1, name: '玻尿酸面膜', on_hand: 3 }] },
    level_progress: { next_level_name: '区域代理', amount_needed: '3200.00', text: '再进货 ¥3,200.00 可升级为区域代理' } }

  test('shows level, term, what needs doing and the level progress', async () => {
    const { comp } = mount('pages/home', { 'GET /api/mp/me/home': [200, HOME] })
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('普通代理')
    expect(seen).toContain('2027-06-30')
    expect(comp.querySelector('.orders-to-pay').dom.textContent).toContain('2')
    expect(seen).toContain('玻尿酸面膜 库存偏低')
    expect(seen).toContain('再进货 ¥3,200.00 可升级为区域代理')
  })
  test('nothing to do and the top level say so', async () => {
    const top = { ...HOME, todo: { orders_to_pay: 0, approvals_waiting: 0, low_stock: [] }, level_progress: { next_level_name: null, amount_needed: null, text: null } }
    const { comp } = mount('pages/home', { 'GET /api/mp/me/home': [200, top] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('暂无待办')
    expect(text(comp)).toContain('您已是最高等级')
  })
  test('a user who is no agent is sent to join', async () => {
    const { comp, record } = mount('pages/home', { 'GET /api/mp/me/home': ERROR(403, 'not_an_agent', '您还不是代理，请先使用邀请码申请') })
    await comp.instance.onLoad()
    expect(record.navigations).toEqual(['/pages/join/index'])
  })
  test('a bad network shows a retry that loads again', async () => {
    const { comp, settings } = mount('pages/home', OFFLINE)
    await comp.instance.onLoad()
    expect(text(comp)).toContain('网络连接失败')
    settings.routes = { 'POST /api/mp/auth/login': [200, { token: 't' }], 'GET /api/mp/me/home': [200, HOME] }
    await tap(comp, '.retry')
    await until(() => comp.instance.data.state === 'ready', 'the retried load')
    expect(text(comp)).toContain('陈小美')
  })
})

describe('catalogue and product', () => {
  test('lists products with the cover photo, my price, the retail price and units available', async () => {
    const { comp } = mount('pages/catalogue', { 'GET /api/mp/catalogue': [200, [ITEM, { ...ITEM, product_id: 2, name: '精华液', available: 0 }]] })
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('我的进货价 ¥89.00')
    expect(seen).toContain('建议零售 ¥199.00')
    expect(seen).toContain('可订 120 盒')
    expect(seen).toContain('控价 ¥179.10–¥199.00')
    expect(seen).toContain('暂时缺货')
    expect(comp.instance.data.items[0].cover).toBe('https://brand.example/media/products/1.jpg')
  })
  test('adding to the cart counts it', async () => {
    const { comp } = mount('pages/catalogue', { 'GET /api/mp/catalogue': [200, [ITEM]] })
    await comp.instance.onLoad()
    await tap(comp, '.add-1')
    expect(text(comp)).toContain('购物车（1）')
  })
  test('an empty catalogue says so', async () => {
    const { comp } = mount('pages/catalogue', { 'GET /api/mp/catalogue': [200, []] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('暂无可进货的商品')
  })
  test('a product shows its photos and my price', async () => {
    const { comp } = mount('pages/product', { 'GET /api/mp/catalogue/1': [200, ITEM] })
    await comp.instance.onLoad({ id: '1' })
    expect(text(comp)).toContain('¥89.00')
    expect(comp.querySelectorAll('.photo').length).toBe(1)
  })
  test('a product outside my catalogue shows the server message', async () => {
    const { comp } = mount('pages/product', { 'GET /api/mp/catalogue/9': ERROR(404, 'not_found', '商品不存在') })
    await comp.instance.onLoad({ id: '9' })
    expect(text(comp)).toContain('商品不存在')
  })
})

describe('cart and checkout', () => {
  function withCart (routes, options) {
    const mounted = mount('pages/cart', { 'POST /api/mp/orders/quote': [200, QUOTE], ...routes }, options)
    require('../utils/cart').add(ITEM, 2)
    return mounted
  }

  test('an empty cart says so', async () => {
    const { comp } = mount('pages/cart', {})
    await comp.instance.onLoad()
    expect(text(comp)).toContain('购物车是空的')
  })
  test('shows the quote: subtotal, discount with the promotion, shipping and total', async () => {
    const { comp } = withCart({})
    await comp.instance.onLoad()
    const seen = text(comp)
    expect(seen).toContain('¥178.00')
    expect(seen).toContain('双十二')
    expect(seen).toContain('-¥10.00')
    expect(comp.querySelector('.total').dom.textContent).toBe('¥176.00')
  })
  test('pasted chat text becomes a consignee draft to check', async () => {
    const guess = (value) => ({ value, confidence: 'high', reason: '' })
    const { comp } = withCart({ 'POST /api/mp/orders/quick-entry': [200, { name: guess('张三'), phone: guess('13900000000'),
      province: guess('广东省'), city: guess('深圳市'), district: guess('南山区'), address: guess('科技园1号'), remark: guess(''), items: [] }] })
    await comp.instance.onLoad()
    await input(comp, '.pasted', '张三 13900000000 广东省深圳市南山区科技园1号')
    await comp.instance.recognise()
    expect(comp.instance.data.consignee).toMatchObject({ name: '张三', phone: '13900000000', city: '深圳市', address: '科技园1号' })
  })
  test('a WeChat address fills the consignee', async () => {
    const { comp } = withCart({}, { address: { userName: '李四', telNumber: '13700000000', provinceName: '浙江省', cityName: '杭州市', countyName: '西湖区', detailInfo: '文三路' } })
    await comp.instance.onLoad()
    await tap(comp, '.choose-address')
    expect(comp.instance.data.consignee.name).toBe('李四')
  })
  test('storing in cloud stock asks for no consignee and places the order to_cloud', async () => {
    const sent = []
    const { comp } = withCart({ 'POST /api/mp/orders': (body) => { sent.push(body); return [201, { id: 43 }] } })
    await comp.instance.onLoad()
    await comp.instance.onCloud({ detail: { value: true } })
    expect(comp.querySelector('.consignee')).toBeFalsy()
    await comp.instance.place()
    expect(sent[0]).toMatchObject({ to_cloud: true, consignee: null })
  })
  test('placing twice after a lost answer sends the same idempotency key', async () => {
    const keys = []
    let attempt = 0
    const { comp, record } = withCart({ 'POST /api/mp/orders': (body) => {
      keys.push(body.idempotency_key)
      return ++attempt === 1 ? ERROR(503, 'unavailable', '服务暂时不可用，请稍后再试') : [201, { id: 42 }]
    } })
    await comp.instance.onLoad()
    await comp.instance.place()
    expect(text(comp)).toContain('服务暂时不可用，请稍后再试')
    await comp.instance.place()
    expect(keys[0]).toBe(keys[1])
    expect(record.navigations).toEqual(['/pages/pay/index?id=42'])
  })
})

describe('pay', () => {
  const ORDER = { id: 42, order_no: 'WS20261202000042', status: 'pending_payment', status_name: '待付款', total: '176.00', awaiting_confirmation: false }
  const TEMPLATES = { items: [{ kind: 'order_paid', template_id: 'SUB-PAID', title: '付款成功通知' }, { kind: 'order_shipped', template_id: 'SUB-SHIP', title: '发货通知' },
    { kind: 'withdrawal_paid', template_id: 'SUB-WD', title: '提现到账通知' }] }

  test('a goods balance that covers the total pays the order from it at once', async () => {
    const { comp } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/finance/goods': [200, { balance: '500.00', held: '0.00' }],
      'POST /api/mp/orders/42/goods-payment': [200, { ...ORDER, status: 'paid', status_name: '已付款' }] })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('货款余额¥500.00')
    await tap(comp, '.pay-goods')
    await until(() => comp.instance.data.order.status === 'paid', 'paid')
    expect(text(comp)).toContain('已付款')
  })
  test('a short goods balance says how much is missing and leads to the top-up', async () => {
    const { comp, record } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/finance/goods': [200, { balance: '76.00', held: '0.00' }] })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('余额不足，还差 ¥100.00，去充值')
    await tap(comp, '.goods-short')
    expect(record.navigations).toEqual(['/more/topup/index'])
  })
  test('WeChat Pay passes the signed parameters to wx.requestPayment', async () => {
    const params = { appId: 'wx1', timeStamp: '1', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'MD5', paySign: 'S' }
    const { comp, record } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER], 'POST /api/mp/orders/42/wechat-payment': [200, params] })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('微信支付 ¥176.00')
    await comp.instance.payByWechat()
    expect(record.payments[0]).toMatchObject(params)
  })
  test('cancelling the payment is not an error', async () => {
    const { comp } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER], 'POST /api/mp/orders/42/wechat-payment': [200, {}] },
      { payment: () => Promise.reject({ errMsg: 'requestPayment:fail cancel' }) })
    await comp.instance.onLoad({ id: '42' })
    await comp.instance.payByWechat()
    expect(text(comp)).toContain('已取消支付，可稍后再付')
  })
  test('without WeChat Pay the page offers the transfer proof', async () => {
    const { comp } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER],
      'POST /api/mp/orders/42/wechat-payment': ERROR(409, 'wechat_pay_not_configured', '品牌尚未开通微信支付，请转账后上传付款凭证') })
    await comp.instance.onLoad({ id: '42' })
    await comp.instance.payByWechat()
    expect(text(comp)).toContain('品牌尚未开通微信支付，请转账后上传付款凭证')
    expect(text(comp)).toContain('上传付款凭证')
  })
  test('an uploaded proof shows 待确认收款', async () => {
    const { comp } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER],
      'POST /api/mp/orders/42/payment-proof': [200, { ...ORDER, awaiting_confirmation: true, payment_proof: { url: 'u', reference: 'R1' } }] },
    { chosenFile: __filename })
    await comp.instance.onLoad({ id: '42' })
    await tap(comp, '.use-transfer')
    await comp.instance.uploadProof()
    expect(text(comp)).toContain('待确认收款')
  })
  test('subscribing asks for the order notices only, from a tap', async () => {
    const { comp, record } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/subscribe-templates': [200, TEMPLATES] })
    await comp.instance.onLoad({ id: '42' })
    await tap(comp, '.subscribe')
    expect(record.subscribed).toEqual([['SUB-PAID', 'SUB-SHIP']])
    expect(text(comp)).toContain('已订阅通知')
  })
  test('no configured templates means no subscribe button', async () => {
    const { comp } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/subscribe-templates': [200, { items: [] }] })
    await comp.instance.onLoad({ id: '42' })
    expect(comp.querySelector('.subscribe')).toBeUndefined()
  })
  test('an order waiting for upline approval cannot be paid yet', async () => {
    const { comp } = mount('pages/pay', { 'GET /api/mp/orders/42': [200, { ...ORDER, status: 'awaiting_approval', status_name: '待上级审核' }] })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('审核通过后即可付款')
    expect(comp.querySelector('.pay-wechat')).toBeUndefined()
  })
})
