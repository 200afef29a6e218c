// My downline as a tree expanded one level at a time, each member's level and region, and this month's ranking.
const api = require('../../utils/api')
const money = require('../../utils/money')
const format = require('../../utils/format')
const { load, initial } = require('../../utils/page')

function node (member, indent) {
  return { id: member.id, name: member.name, level_name: member.level_name, region: `${member.province}${member.city}`,
    indent, expanded: false }
}

async function directMembers (agentId) {
  const path = agentId ? `/api/mp/agents/${agentId}/team` : '/api/mp/me/team'
  const team = await api.get(path, { max_depth: 1, per_page: 100 })
  return team
}

async function ranking () {
  try {
    const answer = await api.get('/api/mp/me/ranking', { period: 'month' })
    return { items: answer.items.map((row) => ({ ...row, amountText: money.display(row.amount) })),
      mine: { ...answer.mine, amountText: money.display(answer.mine.amount) }, error: '' }
  } catch (err) {
    return { items: [], mine: null, error: err.message }
  }
}

Component({
  data: { ...initial, total: 0, nodes: [], ranking: null },
  methods: {
    onLoad () { return this.load() },
    load () {
      return load(this, async () => {
        const [team, rank] = await Promise.all([directMembers(null), ranking()])
        return { total: team.total, nodes: team.members.map((member) => node(member, 0)), ranking: rank }
      }, (data) => !data.nodes.length)
    },
    async toggle (e) {
      const position = this.data.nodes.findIndex((item) => item.id === e.currentTarget.dataset.id)
      const current = this.data.nodes[position]
      const nodes = this.data.nodes.slice()
      if (current.expanded) {
        let end = position + 1
        while (end < nodes.length && nodes[end].indent > current.indent) end += 1
        nodes.splice(position + 1, end - position - 1)
        nodes[position] = { ...current, expanded: false }
        return this.setData({ nodes })
      }
      try {
        const [team, figures] = await Promise.all([directMembers(current.id),
          api.get(`/api/mp/agents/${current.id}/performance`, format.monthRange(0))])
        nodes.splice(position + 1, 0, ...team.members.map((member) => node(member, current.indent + 1)))
        nodes[position] = { ...current, expanded: true, childless: !team.members.length,
          figures: `本月进货 ${money.display(figures.own_purchase)} · 团队 ${money.display(figures.team_purchase || '0')} · 新增 ${figures.recruits} 人` }
        this.setData({ nodes })
      } catch (err) {
        wx.showToast({ title: err.message, icon: 'none' })
      }
    },
    openPoster () { wx.navigateTo({ url: '/more/poster/index' }) }
  }
})
