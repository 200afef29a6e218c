const { mount } = require('./support/mount')
const { text, tap, until, ERROR } = require('./support/render')

const ORDER = { id: 42, order_no: 'WS42', status: 'shipped', status_name: '已发货', units: 2, total: '176.00', created_at: '2026-12-02T02:00:00Z',
  subtotal: '178.00', level_discount: '0.00', promotion_discount: '10.00', shipping: '8.00', carrier: '顺丰速运', tracking_no: 'SF1234567890',
  consignee: { name: '张三', phone: '13900000000', province: '广东省', city: '深圳市', district: '', address: '科技园' },
  lines: [{ product_id: 1, product_name: '玻尿酸面膜', quantity: 2, unit_price: '89.00', paid: '168.00' }],
  events: [{ action: 'place', action_name: '下单', reason: '', created_at: '2026-12-02T02:00:00Z' },
    { action: 'ship', action_name: '发货', reason: '', created_at: '2026-12-02T06:00:00Z' }] }

describe('orders', () => {
  test('lists my orders with status and total', async () => {
    const { comp } = mount('pages/orders', { 'GET /api/mp/orders': [200, { items: [ORDER], total: 1 }] })
    await comp.instance.onLoad({})
    expect(text(comp)).toContain('WS42')
    expect(text(comp)).toContain('已发货')
    expect(text(comp)).toContain('¥176.00')
  })
  test('a tab asks for that status only', async () => {
    const { comp, record } = mount('pages/orders', { 'GET /api/mp/orders': [200, { items: [], total: 0 }] })
    await comp.instance.onLoad({})
    await tap(comp, '.tab-pending_payment')
    await until(() => comp.instance.data.state === 'empty', 'the pending tab')
    expect(record.requests.pop().url).toContain('status=pending_payment')
    expect(text(comp)).toContain('暂无订单')
  })
  test('an uploaded transfer proof shows 待确认收款', async () => {
    const { comp } = mount('pages/orders', { 'GET /api/mp/orders': [200, { items: [{ ...ORDER, status: 'pending_payment', status_name: '待付款', awaiting_confirmation: true }] }] })
    await comp.instance.onLoad({})
    expect(text(comp)).toContain('待确认收款')
  })
  test('a bad network shows a retry', async () => {
    const { comp } = mount('pages/orders', { offline: true })
    await comp.instance.onLoad({})
    expect(text(comp)).toContain('重试')
  })
})

describe('order detail', () => {
  test('shows lines, amounts, the timeline newest first and tracking to copy', async () => {
    const { comp, record } = mount('pages/order', { 'GET /api/mp/orders/42': [200, ORDER] })
    await comp.instance.onLoad({ id: '42' })
    const seen = text(comp)
    expect(seen).toContain('玻尿酸面膜 × 2')
    expect(seen).toContain('活动优惠-¥10.00')
    expect(seen).toContain('实付¥176.00')
    expect(seen.indexOf('发货')).toBeLessThan(seen.indexOf('下单'))
    expect(seen).toContain('顺丰速运')
    await tap(comp, '.copy-tracking')
    expect(record.clipboard).toEqual(['SF1234567890'])
  })
  test('a shipped order can be confirmed received, not cancelled', async () => {
    let received = false
    const { comp } = mount('pages/order', {
      'GET /api/mp/orders/42': () => [200, received ? { ...ORDER, status: 'received', status_name: '已签收' } : ORDER],
      'POST /api/mp/orders/42/receive': () => { received = true; return [200, {}] }
    })
    await comp.instance.onLoad({ id: '42' })
    expect(comp.querySelector('.cancel')).toBeUndefined()
    await comp.instance.receive()
    expect(text(comp)).toContain('已签收')
  })
  test('an unpaid order can be cancelled after a confirmation, and a refusal shows the server words', async () => {
    const { comp, record } = mount('pages/order', {
      'GET /api/mp/orders/42': [200, { ...ORDER, status: 'pending_payment', status_name: '待付款', tracking_no: '' }],
      'POST /api/mp/orders/42/cancel': ERROR(409, 'order_state', '订单已付款，不能取消')
    })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('去付款')
    await comp.instance.cancel()
    expect(record.modals[0].content).toBe('确定取消这个订单吗？')
    expect(text(comp)).toContain('订单已付款，不能取消')
  })
  test('an order of someone else is the server 404', async () => {
    const { comp } = mount('pages/order', { 'GET /api/mp/orders/7': ERROR(404, 'order_not_found', '订单不存在') })
    await comp.instance.onLoad({ id: '7' })
    expect(text(comp)).toContain('订单不存在')
  })
})

describe('order tracking', () => {
  const TRACE = {
    order_id: 42,
    trace: { carrier_code: 'shunfeng', carrier_name: '顺丰', tracking_no: 'SF1234567890', state: '5', state_name: '派件中',
      subscription: 'subscribed', subscription_name: '已订阅', provider_configured: true,
      lines: [{ at: '2026-12-03T02:30:00+00:00', place: '杭州市', text: '快递员正在派件', status: '派件' },
        { at: '2026-12-02T10:00:00+00:00', place: '深圳市', text: '快件已揽收', status: '揽收' }] },
    link: null
  }
  const LINK = { url: 'https://brand.example/t/abcdefghijklmnopqrstuvwx', show_prices: false, created_at: '2026-12-03T02:00:00+00:00' }
  test('shows the parcel trace newest first with its state', async () => {
    const { comp } = mount('pages/order', { 'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/orders/42/tracking': [200, TRACE] })
    await comp.instance.onLoad({ id: '42' })
    const seen = text(comp)
    expect(seen).toContain('派件中')
    expect(seen.indexOf('快递员正在派件')).toBeLessThan(seen.indexOf('快件已揽收'))
    expect(seen).toContain('2026-12-03 10:30')
  })
  test('without a trace yet says so, and the page still shows when tracking cannot be read', async () => {
    const empty = { ...TRACE, trace: { ...TRACE.trace, lines: [], state: '', state_name: '' } }
    const { comp } = mount('pages/order', { 'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/orders/42/tracking': [200, empty] })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('暂无物流轨迹')
    const older = mount('pages/order', { 'GET /api/mp/orders/42': [200, ORDER] })
    await older.comp.instance.onLoad({ id: '42' })
    expect(text(older.comp)).toContain('SF1234567890')
  })
  test('copies the customer link, making it on the server', async () => {
    const { comp, record } = mount('pages/order', {
      'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/orders/42/tracking': [200, TRACE],
      'POST /api/mp/orders/42/tracking-link': [200, LINK]
    })
    await comp.instance.onLoad({ id: '42' })
    expect(text(comp)).toContain('看不到您的拿货价和电话')
    await tap(comp, '.copy-link')
    await until(() => record.clipboard.length === 1, 'the copied link')
    expect(record.clipboard).toEqual([LINK.url])
    expect(record.toasts).toContain('链接已复制，可粘贴发给客户')
    expect(text(comp)).toContain('不显示价格')
  })
  test('shows retail prices when asked and revokes the link after a confirmation', async () => {
    let sent
    const { comp, record } = mount('pages/order', {
      'GET /api/mp/orders/42': [200, ORDER], 'GET /api/mp/orders/42/tracking': [200, { ...TRACE, link: LINK }],
      'POST /api/mp/orders/42/tracking-link': (body) => { sent = body; return [200, { ...LINK, show_prices: true }] },
      'DELETE /api/mp/orders/42/tracking-link': [200, { revoked: 1 }]
    })
    await comp.instance.onLoad({ id: '42' })
    await comp.instance.togglePrices()
    expect(sent).toEqual({ show_prices: true })
    expect(text(comp)).toContain('显示建议零售价')
    await comp.instance.revokeLink()
    expect(record.modals[0].content).toBe('停用后客户将打不开已发出的链接，确定停用？')
    expect(comp.querySelector('.revoke-link')).toBeUndefined()
  })
})

describe('approvals', () => {
  const WAITING = { ...ORDER, id: 50, order_no: 'WS50', status: 'awaiting_approval', consignee: { name: '刘小雨' } }
  test('lists the downline orders waiting for me', async () => {
    const { comp } = mount('pages/approvals', { 'GET /api/mp/orders/approvals': [200, { items: [WAITING] }] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('WS50')
    expect(text(comp)).toContain('刘小雨')
  })
  test('nothing waiting says so', async () => {
    const { comp } = mount('pages/approvals', { 'GET /api/mp/orders/approvals': [200, { items: [] }] })
    await comp.instance.onLoad()
    expect(text(comp)).toContain('没有等待您审核的订单')
  })
  test('approving sends it and reloads the list', async () => {
    let approved = false
    const { comp } = mount('pages/approvals', {
      'GET /api/mp/orders/approvals': () => [200, { items: approved ? [] : [WAITING] }],
      'POST /api/mp/orders/approvals/50/approve': () => { approved = true; return [200, {}] }
    })
    await comp.instance.onLoad()
    await tap(comp, '.approve-50')
    await until(() => comp.instance.data.state === 'empty', 'the reloaded list')
    expect(text(comp)).toContain('没有等待您审核的订单')
  })
  test('rejecting asks for a reason and sends it', async () => {
    let sent
    const { comp, settings, record } = mount('pages/approvals', {
      'GET /api/mp/orders/approvals': [200, { items: [WAITING] }],
      'POST /api/mp/orders/approvals/50/reject': (body) => { sent = body; return [200, {}] }
    })
    settings.modalContent = '数量不对'
    await comp.instance.onLoad()
    await comp.instance.reject({ currentTarget: { dataset: { id: 50 } } })
    expect(record.modals[0].title).toBe('驳回原因')
    expect(sent).toEqual({ reason: '数量不对' })
  })
})
