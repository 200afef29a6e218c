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
