// Home: my level and term, what needs doing, and how far I am from the next level (the review rules' words).
const api = require('../../utils/api')
const { load, initial } = require('../../utils/page')
const { AGENT_STATUS } = require('../../utils/format')

Component({
  data: { ...initial, home: null, statusName: '' },
  methods: {
    onLoad () { return this.load() },
    onShow () { if (this.data.state !== 'loading') this.load() },
    async load () {
      await load(this, async () => {
        const home = await api.get('/api/mp/me/home')
        return { home, statusName: AGENT_STATUS[home.agent.status] || home.agent.status }
      })
      if (this.data.state === 'error' && this.data.error.includes('还不是代理')) wx.redirectTo({ url: '/pages/join/index' })
    },
    open (e) { wx.navigateTo({ url: e.currentTarget.dataset.url }) },
    openTab (e) { wx.switchTab({ url: e.currentTarget.dataset.url }) }
  }
})
