// Display helpers: server times are UTC ISO strings, shown in Beijing time as YYYY-MM-DD HH:MM.
function localTime (iso) {
  if (!iso) return ''
  const moment = new Date(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
  if (Number.isNaN(moment.getTime())) return ''
  const beijing = new Date(moment.getTime() + 8 * 3600 * 1000).toISOString()
  return `${beijing.slice(0, 10)} ${beijing.slice(11, 16)}`
}

const AGENT_STATUS = { active: '正常', suspended: '已暂停', left: '已退出', pending: '待审核' }
const APPLICATION_STATUS = { pending: '待审核', approved: '已通过', rejected: '未通过' }
const WITHDRAWAL_STATUS = { pending: '待审核', approved: '已批准', rejected: '已拒绝', paid: '已打款' }

module.exports = { localTime, AGENT_STATUS, APPLICATION_STATUS, WITHDRAWAL_STATUS }
