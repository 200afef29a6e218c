// Journeys end to end: the real backend (tests/live_backend.py, started by globalSetup) on SQLite with the fake
// WeChat and WeChat Pay; wx.request does real HTTP, wx.login gets its code from the fake WeChat's side door, so
// the real /api/mp/auth/login path is used; the brand's side is the console API.
const fs = require('fs')
const os = require('os')
const path = require('path')
const { install, httpCall } = require('./support/wx')
const { render, text, tap, input, until } = require('./support/render')

const backend = JSON.parse(process.env.MP_BACKEND)
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082', 'hex')

async function callJson (url, { method = 'GET', token, body } = {}) {
  const headers = { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }
  const res = await httpCall({ url, method, headers, body: body && JSON.stringify(body) })
  if (res.error) throw res.error
  return { status: res.status, body: res.text ? JSON.parse(res.text) : null }
}

const sideDoor = (name, body) => callJson(`${backend.wechat_url}__fake__/${name}`, { method: 'POST', body }).then((res) => res.body)
// The payer paying at the fake WeChat Pay (APIv3 unless the backend runs with LIVE_WECHAT_PAY=v2).
const payAtWechat = (outTradeNo) => callJson(`${backend.pay_url}__fake__/pay`, { method: 'POST', body: { out_trade_no: outTradeNo } }).then((res) => res.body)

// A person with a phone: their own WeChat openid and device storage.
function phoneOf (openid, options = {}) {
  const device = install({ ...options, loginCode: () => sideDoor('login-code', { openid }).then((answer) => answer.code) })
  device.open = async (page, options) => {
    global.wx = device.wx
    const comp = render(page)
    require('../config').baseUrl = backend.url
    if (options !== undefined) await comp.instance.onLoad(options)
    return comp
  }
  return device
}

let console_
async function consoleApi (method, apiPath, body) {
  if (!console_) {
    const login = await callJson(`${backend.url}/admin/api/auth/login`, { method: 'POST', body: backend.owner })
    console_ = login.body.token
  }
  const res = await callJson(`${backend.url}/admin/api${apiPath}`, { method, token: console_, body })
  if (res.status >= 400) throw new Error(`${method} ${apiPath}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

async function consoleConfirmsTransfer (orderId, amount) {
  const boundary = '----console'
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="amount"\r\n\r\n${amount}\r\n--${boundary}--\r\n`
  const res = await httpCall({ url: `${backend.url}/admin/api/orders/${orderId}/pay`, method: 'POST', body,
    headers: { Authorization: `Bearer ${console_}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` } })
  expect(res.status).toBe(200)
}

// Buys the first product in stock, shipped to the consignee pasted as chat text (the agent itself: its own stock).
async function buyFirstInStock (phone, name, mobile) {
  const catalogue = await phone.open('pages/catalogue', undefined)
  await catalogue.instance.onLoad()
  const product = catalogue.instance.data.items.find((item) => item.available > 0)
  expect(text(catalogue)).toContain(`控价 ${product.rangeText}`)
  await tap(catalogue, `.add-${product.product_id}`)
  const cart = await phone.open('pages/cart', undefined)
  await cart.instance.onLoad()
  expect(text(cart)).toContain(product.name)
  await input(cart, '.pasted', `${name} ${mobile} 广东省深圳市南山区科苑路1号`)
  await cart.instance.recognise()
  expect(cart.instance.data.consignee).toMatchObject({ name, phone: mobile, city: '深圳市' })
  await cart.instance.place()
  expect(cart.instance.data.notice).toBe('')
  const placed = phone.record.navigations.pop()
  expect(placed).toMatch(/^\/pages\/pay\/index\?id=\d+$/)
  return { product, orderId: Number(placed.split('=')[1]), quoted: cart.instance.data.quote.total }
}

// A new agent joins with the demo invite code and the owner approves it in the console.
async function joinApproved (phone, name, mobile) {
  const join = await phone.open('pages/join', { scene: backend.invite_code })
  await input(join, '.name', name)
  await input(join, '.phone', mobile)
  await join.instance.apply()
  const pending = await consoleApi('GET', '/agents/applications?status=pending')
  await consoleApi('POST', `/agents/applications/${pending.items.find((item) => item.name === name).id}/approve`, {})
}

describe('a new agent joins by invite, buys, pays and receives', () => {
  const phone = phoneOf(`journey-new-${Date.now()}`)
  const state = {}

  test('applies from the invite code and waits for the owner', async () => {
    const join = await phone.open('pages/join', { scene: encodeURIComponent(backend.invite_code) })
    expect(text(join)).toContain('申请成为代理')
    await input(join, '.name', '赵新人')
    const { code } = await sideDoor('phone-code', { phone: '13912345678' })
    join.instance.onPhoneNumber({ detail: { code } })
    expect(text(join)).toContain('已通过微信验证手机号')
    join.instance.onRegion({ detail: { value: ['广东省', '深圳市'] } })
    await join.instance.apply()
    expect(text(join)).toContain('待审核')
  })

  test('the owner approves in the console and the app shows the way in', async () => {
    const pending = await consoleApi('GET', '/agents/applications?status=pending')
    const application = pending.items.find((item) => item.name === '赵新人')
    await consoleApi('POST', `/agents/applications/${application.id}/approve`, {})
    const join = await phone.open('pages/join', {})
    expect(text(join)).toContain('您已是代理')
  })

  test('home shows the new agent at the lowest level with nothing to pay yet', async () => {
    const home = await phone.open('pages/home', {})
    expect(text(home)).toContain('赵新人')
    expect(text(home)).toContain('普通代理')
  })

  test('the catalogue shows the product photos, and a product its own page', async () => {
    const catalogue = await phone.open('pages/catalogue', {})
    const [first] = catalogue.instance.data.items
    expect(first.cover).toMatch(new RegExp(`^${backend.url}/media/`))
    const product = await phone.open('pages/product', { id: String(first.product_id) })
    expect(product.querySelectorAll('.photo').length).toBe(first.images.length)
    expect(text(product)).toContain(first.priceText)
  })

  test('orders from the catalogue at the quoted total', async () => {
    Object.assign(state, await buyFirstInStock(phone, '赵新人', '13912345678'))
    const pay = await phone.open('pages/pay', { id: String(state.orderId) })
    expect(text(pay)).toContain(state.quoted)
    expect(text(pay)).toContain('待付款')
    await tap(pay, '.subscribe')
    expect(phone.record.subscribed).toEqual([['SUB-ORDER_PAID', 'SUB-ORDER_SHIPPED']])
    const me = await phone.open('pages/me', {})
    expect(text(me)).toContain('订单已付款已订阅订单已发货已订阅')
  })

  test('pays by WeChat Pay: the fake WeChat Pay posts the payment notification and the order is paid', async () => {
    phone.settings.payment = async (params) => {
      const order = await callJson(`${backend.url}/api/mp/orders/${state.orderId}`, { token: phone.wx.getStorageSync('token') })
      const paid = await payAtWechat(order.body.order_no)
      if (backend.pay_api === 'v3') expect(paid.notify_status).toBe(204)
      else expect(paid.notify_answer).toContain('SUCCESS')
      return { errMsg: 'requestPayment:ok' }
    }
    const pay = await phone.open('pages/pay', { id: String(state.orderId) })
    await pay.instance.payByWechat()
    expect(phone.record.payments[0].package).toMatch(/^prepay_id=/)
    if (backend.pay_api === 'v3') expect(phone.record.payments[0].signType).toBe('RSA')
    expect(text(pay)).toContain('已付款')
  })

  test('the warehouse ships; the carrier trace shows in the app and on the customer page; receipt confirmed', async () => {
    await consoleApi('POST', `/orders/${state.orderId}/pick`, {})
    await consoleApi('POST', `/orders/${state.orderId}/ship`, { carrier: '顺丰速运', tracking_no: 'SF10001' })
    const order = await phone.open('pages/order', { id: String(state.orderId) })
    expect(text(order)).toContain('已发货')
    expect(text(order)).toContain('SF10001')
    // The backend subscribes the parcel at the fake 快递100, which then pushes the carrier's trace.
    for (let tries = 0; ; tries++) {
      const subscribed = (await callJson(`${backend.kuaidi100_url}__fake__/subscriptions`)).body
      if (subscribed.some((parcel) => parcel.number === 'SF10001')) break
      if (tries > 100) throw new Error('the parcel was never subscribed')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const pushed = await callJson(`${backend.kuaidi100_url}__fake__/push`, { method: 'POST', body: {
      company: 'shunfeng', number: 'SF10001', state: '5',
      lines: [['2026-12-03 10:30:00', '快递员正在派件', '深圳市'], ['2026-12-02 18:00:00', '顺丰速运 已收取快件', '深圳市']] } })
    expect(pushed.body.status).toBe(200)
    await order.instance.load()
    expect(text(order)).toContain('快递员正在派件')
    expect(text(order)).toContain('派件中')
    await order.instance.copyLink()
    const link = phone.record.clipboard[phone.record.clipboard.length - 1]
    expect(link).toContain('/t/')
    const page = await httpCall({ url: link, method: 'GET', headers: {} })
    expect(page.status).toBe(200)
    expect(page.text).toContain('已发货')
    expect(page.text).toContain('SF10001')
    expect(page.text).toContain('快递员正在派件')
    await order.instance.receive()
    expect(text(order)).toContain('已签收')
  })

  test('a retail sale below the brand range is recorded and reported as a violation', async () => {
    const sale = await phone.open('pages/sale', { product: String(state.product.product_id) })
    await input(sale, '.price', '1.00')
    await input(sale, '.customer-name', '王女士')
    await sale.instance.submit()
    expect(text(sale)).toContain('价格超出控价范围，已报告品牌方')
    const violations = await consoleApi('GET', '/price-control/violations')
    expect(violations.items).toContainEqual(expect.objectContaining({ source: 'retail_sale', kind: 'price_low', price: '1.00',
      product_id: state.product.product_id }))
  })

  test('a scan of a code that does not exist shows the verdict in words', async () => {
    const scan = await phone.open('more/scan', undefined)
    await scan.instance.check('NOSUCHCODE1')
    expect(scan.instance.data.state).toBe('ready')
    expect(scan.instance.data.verdict.genuine).toBe(false)
    expect(text(scan)).toContain(scan.instance.data.verdict.message)
  })
})

describe('paying by bank transfer', () => {
  const phone = phoneOf(`journey-transfer-${Date.now()}`)
  const proof = path.join(os.tmpdir(), 'weishang-proof.png')

  beforeAll(async () => {
    fs.writeFileSync(proof, PNG)
    await joinApproved(phone, '钱转账', '13912345679')
  })

  test('the proof photo makes the order 待确认收款 until finance confirms it', async () => {
    const { orderId } = await buyFirstInStock(phone, '钱转账', '13912345679')
    phone.settings.chosenFile = proof
    const pay = await phone.open('pages/pay', { id: String(orderId) })
    await tap(pay, '.use-transfer')
    await input(pay, '.reference', 'BANK-778899')
    await pay.instance.uploadProof()
    expect(text(pay)).toContain('待确认收款')
    await consoleConfirmsTransfer(orderId, pay.instance.data.order.total)
    const order = await phone.open('pages/order', { id: String(orderId) })
    expect(text(order)).toContain('已付款')
  })
})

describe('paying from the goods balance (货款)', () => {
  const phone = phoneOf(`journey-goods-${Date.now()}`)
  const proof = path.join(os.tmpdir(), 'weishang-topup-proof.png')

  beforeAll(async () => {
    fs.writeFileSync(proof, PNG)
    await joinApproved(phone, '孙货款', '13912345670')
  })

  test('a transfer top-up confirmed in the console pays an order from the balance', async () => {
    phone.settings.chosenFile = proof
    const topUp = await phone.open('more/topup', {})
    await input(topUp, '.amount', '5000')
    await tap(topUp, '.use-transfer')
    await topUp.instance.uploadProof()
    expect(text(topUp)).toContain('财务确认收款后到账')
    const queue = await consoleApi('GET', '/finance/goods/top-ups?status=pending')
    await consoleApi('POST', `/finance/goods/top-ups/${queue.items[0].id}/confirm`, {})
    const { orderId } = await buyFirstInStock(phone, '孙货款', '13912345670')
    const pay = await phone.open('pages/pay', { id: String(orderId) })
    expect(text(pay)).toContain('货款余额¥5,000.00')
    await pay.instance.payByGoods()
    expect(text(pay)).toContain('已付款')
    const money = await phone.open('pages/money', {})
    expect(text(money)).toContain('订单付款')
    expect(money.instance.data.goods.balanceText).not.toBe('¥5,000.00')
  })
})

describe('cloud stock (云仓): buy into it, see it, have some shipped (提货)', () => {
  const phone = phoneOf(`journey-cloud-${Date.now()}`)
  const proof = path.join(os.tmpdir(), 'weishang-cloud-proof.png')

  beforeAll(async () => {
    fs.writeFileSync(proof, PNG)
    await joinApproved(phone, '周云仓', '13912345671')
    phone.settings.chosenFile = proof
    const topUp = await phone.open('more/topup', {})
    await input(topUp, '.amount', '5000')
    await tap(topUp, '.use-transfer')
    await topUp.instance.uploadProof()
    const queue = await consoleApi('GET', '/finance/goods/top-ups?status=pending')
    await consoleApi('POST', `/finance/goods/top-ups/${queue.items[0].id}/confirm`, {})
  })

  test('an order stored in cloud stock is paid from the goods balance and shows in 我的云仓', async () => {
    const catalogue = await phone.open('pages/catalogue', undefined)
    await catalogue.instance.onLoad()
    const product = catalogue.instance.data.items.find((item) => item.available > 0)
    await tap(catalogue, `.add-${product.product_id}`)
    const cart = await phone.open('pages/cart', undefined)
    await cart.instance.onLoad()
    await cart.instance.onCloud({ detail: { value: true } })
    await cart.instance.place()
    expect(cart.instance.data.notice).toBe('')
    const placed = phone.record.navigations.pop()
    const pay = await phone.open('pages/pay', { id: placed.split('=')[1] })
    await pay.instance.payByGoods()
    expect(text(pay)).toContain('已入云仓')
    const cloud = await phone.open('more/cloud', {})
    expect(text(cloud)).toContain(product.name)
    expect(cloud.instance.data.holdings[0].units).toBe(1)
  })

  test('提货 ships a cloud unit: the warehouse picks and ships it in the console', async () => {
    const pickup = await phone.open('more/pickup', {})
    await input(pickup, '.address', '科苑路1号')
    await input(pickup, '.province', '广东省')
    await input(pickup, '.city', '深圳市')
    await pickup.instance.submit()
    expect(text(pickup)).toContain('待配货')
    const id = pickup.instance.data.result.id
    await consoleApi('POST', `/cloud/pickups/${id}/pick`, {})
    const shipped = await consoleApi('POST', `/cloud/pickups/${id}/ship`, { carrier: '顺丰', tracking_no: 'SFCLOUD1' })
    expect(shipped.status).toBe('shipped')
    const cloud = await phone.open('more/cloud', {})
    expect(cloud.instance.data.holdings).toEqual([])
  })
})

describe('the top agent binds its WeChat and withdraws its commission', () => {
  // Confirming a 商家转账 in WeChat: the payee confirms the package at WeChat Pay (the fake's side door).
  const confirmAtWechat = (params) => callJson(`${backend.pay_url}__fake__/confirm-transfer`,
    { method: 'POST', body: { package: params.package } }).then((res) => ({ errMsg: `requestMerchantTransfer:ok ${res.status}` }))
  const phone = phoneOf(`journey-top-${Date.now()}`, { merchantTransfer: confirmAtWechat })

  test('binds with the bind code the brand gave it', async () => {
    const join = await phone.open('pages/join', {})
    expect(text(join)).toContain('绑定代理身份')
    await input(join, '.bind-code', backend.top_agent.bind_code)
    await join.instance.bind()
    expect(text(join)).toContain('您已是代理')
  })

  test('sees an available balance and asks to withdraw it to a bank card', async () => {
    const money = await phone.open('pages/money', undefined)
    await money.instance.onLoad()
    const available = money.instance.data.balance.find((row) => row.key === 'available').text
    expect(available).not.toBe('¥0.00')
    const withdraw = await phone.open('more/withdraw', undefined)
    await withdraw.instance.onLoad()
    await input(withdraw, '.amount', '10.00')
    withdraw.instance.onKind({ detail: { value: 1 } })
    await input(withdraw, '.payee-name', '王总')
    await input(withdraw, '.payee-account', '6222000012345678')
    await input(withdraw, '.payee-bank', '招商银行')
    await withdraw.instance.submit()
    expect(text(withdraw)).toContain('提现申请已提交')
    const after = await phone.open('pages/money', undefined)
    await after.instance.onLoad()
    expect(text(after)).toContain('待审核')
    const again = await phone.open('more/withdraw', {})
    expect(again.instance.data).toMatchObject({ kindIndex: 1, name: '王总', account: '6222000012345678', bank: '招商银行' })
  })

  const wechatTest = backend.pay_api === 'v3' ? test : test.skip
  wechatTest('withdraws to its WeChat change, the brand approves, and it confirms receipt in WeChat', async () => {
    const withdraw = await phone.open('more/withdraw', {})
    await input(withdraw, '.amount', '12.00')
    withdraw.instance.onKind({ detail: { value: 0 } })
    await withdraw.instance.submit()
    expect(text(withdraw)).toContain('提现申请已提交')
    const id = withdraw.instance.data.done.id
    const approved = await consoleApi('POST', `/finance/withdrawals/${id}/approve`)
    expect(approved).toMatchObject({ status: 'transferring', awaiting_confirmation: true })
    const money = await phone.open('pages/money', undefined)
    await money.instance.onLoad()
    await tap(money, `.receive-${id}`)
    expect(phone.record.navigations).toContain(`/more/receive/index?id=${id}`)
    const receive = await phone.open('more/receive', { id: String(id) })
    expect(text(receive)).toContain('¥12.00')
    await tap(receive, '.confirm')
    await until(() => text(receive).includes('已到账'), 'the transfer arrived')
    const after = await phone.open('pages/money', undefined)
    await after.instance.onLoad()
    expect(after.instance.data.withdrawals.find((item) => item.id === id).status).toBe('paid')
  })

  test('opens its certificate, registers its WeChat ID and anyone then finds it authorized by that ID', async () => {
    const certificate = await phone.open('more/certificate', {})
    expect(certificate.instance.data.certificate.number).toMatch(/^SQ\d{4}[2-9A-HJ-NP-Z]{8}$/)
    expect(certificate.instance.data.statusText).toBe('有效')
    await input(certificate, '.wechat-id-input', 'Top_Agent_01')
    await certificate.instance.saveWechatId()
    expect(certificate.instance.data.wechatId).toBe('top_agent_01')
    await certificate.instance.save()
    expect(phone.record.saved.pop()).toContain('/api/mp/me/certificate.png')
    const verified = await callJson(`${backend.url}/api/mp/authorization?q=top_agent_01`)
    expect(verified.body[0]).toMatchObject({ result: 'authorized', number: certificate.instance.data.certificate.number })
    expect(JSON.stringify(verified.body)).not.toContain('top_agent_01')
  })

  test('sees its downline and this month\'s ranking', async () => {
    const team = await phone.open('pages/team', {})
    expect(team.instance.data.nodes.length).toBeGreaterThan(0)
    expect(team.instance.data.ranking.error).toBe('')
    expect(text(team)).toContain('我的排名')
  })
})

describe('the development login of DevTools against make run', () => {
  test('config.devLogin signs in as a demo agent without wx.login', async () => {
    const device = install({ loginCode: () => Promise.reject(new Error('wx.login is not used')) })
    const me = render('pages/me')
    Object.assign(require('../config'), { baseUrl: backend.url, devLogin: { agent_id: backend.top_agent.id } })
    await me.instance.onLoad()
    expect(text(me)).toContain(backend.top_agent.name)
    expect(device.record.requests[0].url).toBe(`${backend.url}/api/mp/auth/dev-login`)
  })
})

describe('a bad network', () => {
  test('the backend stopped shows the network error and a retry, never a blank page', async () => {
    const phone = phoneOf('journey-offline')
    const home = await phone.open('pages/home', undefined)
    const closed = await new Promise((resolve) => {
      const server = require('net').createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address()
        server.close(() => resolve(port))
      })
    })
    require('../config').baseUrl = `http://127.0.0.1:${closed}`
    await home.instance.onLoad()
    expect(text(home)).toContain('网络连接失败，请检查网络后重试')
    expect(text(home)).toContain('重试')
    require('../config').baseUrl = backend.url
    await tap(home, '.retry')
    await until(() => home.instance.data.state !== 'loading', 'the retried load')
    expect(text(home)).not.toContain('网络连接失败')
    expect(text(home)).not.toBe('')
  })
})
