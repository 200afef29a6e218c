const { install } = require('./support/wx')
const money = require('../utils/money')
const cart = require('../utils/cart')
const api = require('../utils/api')
const format = require('../utils/format')
const { ERROR } = require('./support/render')

describe('money', () => {
  test('display groups thousands and keeps two decimals', () => {
    expect(money.display('3200.00')).toBe('¥3,200.00')
    expect(money.display('1234567.5')).toBe('¥1,234,567.50')
    expect(money.display('-12.30')).toBe('-¥12.30')
  })
  test('arithmetic is done in fen, so 0.1 + 0.2 is 0.30', () => {
    expect(money.sum(['0.10', '0.20'])).toBe('0.30')
    expect(money.times('19.99', 3)).toBe('59.97')
  })
  test('a retail range reads as one span, and prices outside it are found', () => {
    expect(money.range('179.10', '199.00')).toBe('¥179.10–¥199.00')
    expect(money.range(null, null)).toBe('')
    expect(money.outside('179.09', '179.10', '199.00')).toBe(true)
    expect(money.outside('199.00', '179.10', '199.00')).toBe(false)
    expect(money.outside('1.00', null, null)).toBe(false)
  })
  test('text that is not money is not a number of fen', () => {
    expect(money.toFen('1.234')).toBeNaN()
    expect(money.toFen('²')).toBeNaN()
    expect(money.display('abc')).toBe('')
  })
})

describe('cart', () => {
  beforeEach(() => install({ routes: {} }))
  const product = { product_id: 1, name: '面膜', price: '99.00' }

  test('adding the same product twice adds to its quantity', () => {
    cart.add(product)
    cart.add(product, 2)
    expect(cart.read().items).toEqual([{ ...product, quantity: 3 }])
    expect(cart.total(cart.read())).toBe('297.00')
  })
  test('the idempotency key stays while the cart is unchanged and changes with it', () => {
    cart.add(product)
    const key = cart.read().idempotencyKey
    expect(cart.read().idempotencyKey).toBe(key)
    cart.setQuantity(1, 5)
    expect(cart.read().idempotencyKey).not.toBe(key)
  })
  test('a quantity of zero removes the line', () => {
    cart.add(product)
    cart.setQuantity(1, 0)
    expect(cart.count()).toBe(0)
  })
})

describe('api client', () => {
  test('signs in with the wx.login code and sends the bearer token', async () => {
    const { record } = install({ routes: {
      'POST /api/mp/auth/login': (body) => [200, { token: `token-for-${body.code}` }],
      'GET /api/mp/me/profile': [200, { id: 1 }]
    } })
    await api.get('/api/mp/me/profile')
    expect(record.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /api/mp/auth/login', 'GET /api/mp/me/profile'])
    expect(wx.getStorageSync('token')).toBe('token-for-test-login-code')
  })
  test('a 401 signs in again once and repeats the call', async () => {
    let calls = 0
    const { storage } = install({ routes: {
      'POST /api/mp/auth/login': [200, { token: 'fresh' }],
      'GET /api/mp/me/profile': () => (++calls === 1 ? ERROR(401, 'token_expired', '登录已过期') : [200, { id: 1 }])
    } })
    storage.set('token', JSON.stringify('stale'))
    expect(await api.get('/api/mp/me/profile')).toEqual({ id: 1 })
    expect(calls).toBe(2)
  })
  test('a second 401 is an error, not a loop', async () => {
    install({ routes: { 'POST /api/mp/auth/login': [200, { token: 't' }], 'GET /api/mp/me/profile': ERROR(401, 'unauthenticated', '请先登录') } })
    await expect(api.get('/api/mp/me/profile')).rejects.toMatchObject({ status: 401, message: '请先登录' })
  })
  test('errors carry the server message, and the field messages of invalid input', async () => {
    install({ routes: { 'POST /api/mp/auth/login': [200, { token: 't' }],
      'POST /api/mp/orders': ERROR(422, 'invalid_input', '输入有误', { 'items.0.quantity': '数量至少为 1' }),
      'POST /api/mp/orders/1/cancel': ERROR(409, 'order_state', '订单已发货，不能取消') } })
    await expect(api.post('/api/mp/orders', {})).rejects.toMatchObject({ message: '数量至少为 1', code: 'invalid_input' })
    await expect(api.post('/api/mp/orders/1/cancel')).rejects.toMatchObject({ message: '订单已发货，不能取消', status: 409 })
  })
  test('a failed request is a network error in Chinese', async () => {
    install({ routes: { offline: true } })
    await expect(api.get('/api/mp/me/profile')).rejects.toMatchObject({ code: 'network', message: '网络连接失败，请检查网络后重试' })
  })
  test('query strings skip empty values and encode the rest', () => {
    expect(api.query({ status: '', page: 2, q: '面 膜' })).toBe('?page=2&q=%E9%9D%A2%20%E8%86%9C')
  })
})

test('server times are shown in Beijing time', () => {
  expect(format.localTime('2026-12-02T16:30:00Z')).toBe('2026-12-03 00:30')
  expect(format.localTime(null)).toBe('')
})
