// Join: a new user opened by an invite code (options.scene) applies; an agent the brand created binds with its
// bind code (typed, or in a scene "b=CODE" from the console's bind mini-program code); an agent already signed in
// goes home. wx.login happens in the API client.
const api = require('../../utils/api')
const { load, act, field, initial } = require('../../utils/page')
const { APPLICATION_STATUS } = require('../../utils/format')

const BIND_SCENE_PREFIX = 'b='

async function whoAmI (inviteCode) {
  try {
    await api.get('/api/mp/me/profile')
    return { mode: 'agent' }
  } catch (err) {
    if (err.code !== 'not_an_agent') throw err
  }
  try {
    const application = await api.get('/api/mp/agents/applications/mine')
    if (application.status !== 'rejected' || !inviteCode) {
      return { mode: 'application', application, statusName: APPLICATION_STATUS[application.status] }
    }
  } catch (err) {
    if (err.status !== 404) throw err
  }
  return { mode: inviteCode ? 'apply' : 'bind' }
}

Component({
  data: { ...initial, mode: '', inviteCode: '', name: '', phone: '', phoneCode: '', region: [], bindCode: '' },
  methods: {
    onLoad (options) {
      const scene = decodeURIComponent((options && (options.scene || options.invite)) || '').trim()
      if (scene.startsWith(BIND_SCENE_PREFIX)) this.setData({ bindCode: scene.slice(BIND_SCENE_PREFIX.length) })
      else this.setData({ inviteCode: scene })
      return this.load()
    },
    load () { return load(this, () => whoAmI(this.data.inviteCode)) },
    onName (e) { this.setData({ name: field(e) }) },
    onPhone (e) { this.setData({ phone: field(e), phoneCode: '' }) },
    onBindCode (e) { this.setData({ bindCode: field(e) }) },
    onInviteCode (e) { this.setData({ inviteCode: field(e) }) },
    onRegion (e) { this.setData({ region: field(e) }) },
    onPhoneNumber (e) {
      if (e.detail && e.detail.code) this.setData({ phoneCode: e.detail.code, phone: '' })
    },
    showApply () { this.setData({ mode: 'apply' }) },
    showBind () { this.setData({ mode: 'bind' }) },
    apply () {
      const { inviteCode, name, phone, phoneCode, region } = this.data
      const body = { invite_code: inviteCode, name, province: region[0] || '', city: region[1] || '' }
      if (phoneCode) body.phone_code = phoneCode
      else body.phone = phone
      return act(this, () => api.post('/api/mp/agents/applications', body), (application) => this.setData({
        mode: 'application', application, statusName: APPLICATION_STATUS[application.status]
      }))
    },
    bind () {
      return act(this, () => api.post('/api/mp/agents/bind', { bind_code: this.data.bindCode }),
        () => this.setData({ mode: 'agent' }))
    },
    goHome () { wx.switchTab({ url: '/pages/home/index' }) }
  }
})
