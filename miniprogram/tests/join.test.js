const { mount } = require('./support/mount')
const { text, tap, input, ERROR } = require('./support/render')

const NOT_AGENT = ERROR(403, 'not_an_agent', '您还不是代理，请先使用邀请码申请')
const APPLICATION = { id: 3, name: '赵新人', status: 'pending', decision_reason: '' }

const page = (routes) => mount('pages/join', routes)

test('an invite opens the application form with the invite code filled in', async () => {
  const { comp } = page({ 'GET /api/mp/me/profile': NOT_AGENT })
  await comp.instance.onLoad({ scene: encodeURIComponent('VZB3MKU5') })
  expect(text(comp)).toContain('申请成为代理')
  expect(comp.instance.data.inviteCode).toBe('VZB3MKU5')
  expect(text(comp)).toContain('微信手机号快速填写')
})

test('applying sends the phone code from getPhoneNumber and shows the application waiting', async () => {
  let sent
  const { comp } = page({
    'GET /api/mp/me/profile': NOT_AGENT,
    'POST /api/mp/agents/applications': (body) => { sent = body; return [201, APPLICATION] }
  })
  await comp.instance.onLoad({ scene: 'VZB3MKU5' })
  await input(comp, '.name', '赵新人')
  comp.instance.onPhoneNumber({ detail: { code: 'phone-code-1' } })
  comp.instance.onRegion({ detail: { value: ['广东省', '深圳市'] } })
  await comp.instance.apply()
  expect(sent).toEqual({ invite_code: 'VZB3MKU5', name: '赵新人', phone_code: 'phone-code-1', province: '广东省', city: '深圳市' })
  expect(text(comp)).toContain('待审核')
})

test('a refused application shows the server message and keeps the form', async () => {
  const { comp, record } = page({
    'GET /api/mp/me/profile': NOT_AGENT,
    'POST /api/mp/agents/applications': ERROR(422, 'invite_not_found', '邀请码不存在，请向邀请人核对', { invite_code: '邀请码不存在，请向邀请人核对' })
  })
  await comp.instance.onLoad({ scene: 'NOPE' })
  await comp.instance.apply()
  expect(text(comp)).toContain('邀请码不存在，请向邀请人核对')
  expect(text(comp)).toContain('提交申请')
  expect(record.toasts).toContain('邀请码不存在，请向邀请人核对')
})

test('a user with a pending application sees its status instead of the form', async () => {
  const { comp } = page({ 'GET /api/mp/me/profile': NOT_AGENT, 'GET /api/mp/agents/applications/mine': [200, APPLICATION] })
  await comp.instance.onLoad({})
  expect(text(comp)).toContain('我的申请')
  expect(text(comp)).toContain('待审核')
})

test('without an invite a new user is offered the bind code form', async () => {
  const { comp } = page({ 'GET /api/mp/me/profile': NOT_AGENT })
  await comp.instance.onLoad({})
  expect(text(comp)).toContain('绑定代理身份')
})

test('binding with a bind code makes the user an agent', async () => {
  let sent
  const { comp } = page({
    'GET /api/mp/me/profile': NOT_AGENT,
    'POST /api/mp/agents/bind': (body) => { sent = body; return [200, { id: 9 }] }
  })
  await comp.instance.onLoad({})
  await input(comp, '.bind-code', 'BIND1234')
  await comp.instance.bind()
  expect(sent).toEqual({ bind_code: 'BIND1234' })
  expect(text(comp)).toContain('您已是代理')
})

test('the console\'s bind mini-program code opens the bind form with the bind code filled in', async () => {
  let sent
  const { comp } = page({
    'GET /api/mp/me/profile': NOT_AGENT,
    'POST /api/mp/agents/bind': (body) => { sent = body; return [200, { id: 9 }] }
  })
  await comp.instance.onLoad({ scene: encodeURIComponent('b=BIND5678') })
  expect(text(comp)).toContain('绑定代理身份')
  expect(comp.instance.data.inviteCode).toBe('')
  await comp.instance.bind()
  expect(sent).toEqual({ bind_code: 'BIND5678' })
})

test('an agent opening the page is sent home', async () => {
  const { comp, record } = page({ 'GET /api/mp/me/profile': [200, { id: 1 }] })
  await comp.instance.onLoad({})
  await tap(comp, '.go-home')
  expect(record.navigations).toEqual(['/pages/home/index'])
})

test('a bad network shows the error and a retry', async () => {
  const { comp } = page({ offline: true })
  await comp.instance.onLoad({})
  expect(text(comp)).toContain('网络连接失败，请检查网络后重试')
  expect(text(comp)).toContain('重试')
})

test('shows loading before the first answer', () => {
  const { comp } = page({})
  expect(text(comp)).toContain('加载中')
})
