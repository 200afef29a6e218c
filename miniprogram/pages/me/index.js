// Me: profile and term, the official-account link (unbind), the notices I subscribed to on this device.
const api = require('../../utils/api')
const { load, act, initial } = require('../../utils/page')
const { AGENT_STATUS } = require('../../utils/format')

const ANSWERS = { accept: '已订阅', reject: '已拒绝', ban: '已被封禁', filter: '已过滤' }

Component({
  data: { ...initial, profile: null, statusName: '', binding: null, subscriptions: [] },
  methods: {
    onLoad () { return this.load() },
    onShow () { if (this.data.state !== 'loading') this.load() },
    load () {
      return load(this, async () => {
        const [profile, binding] = await Promise.all([api.get('/api/mp/me/profile'), api.get('/api/mp/wechat/binding')])
        const kept = wx.getStorageSync('subscriptions') || {}
        return { profile, binding, statusName: AGENT_STATUS[profile.status] || profile.status,
          subscriptions: Object.keys(kept).map((kind) => ({ kind, title: kept[kind].title || kind, answer: ANSWERS[kept[kind].answer] || kept[kind].answer })) }
      })
    },
    unbind () {
      return new Promise((resolve) => wx.showModal({
        title: '解除绑定', content: '解除后将不再在公众号收到通知，确定吗？',
        success: async (res) => {
          if (res.confirm) await act(this, () => api.del('/api/mp/wechat/binding'), () => this.load())
          resolve()
        }
      }))
    },
    open (e) { wx.navigateTo({ url: e.currentTarget.dataset.url }) },
    signOut () {
      api.signOut()
      wx.reLaunch({ url: '/pages/join/index' })
    }
  }
})
