// Display helpers: server times are UTC ISO strings, shown in Beijing time as YYYY-MM-DD HH:MM.
function localTime (iso) {
  if (!iso) return ''
  const moment = new Date(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
  if (Number.isNaN(moment.getTime())) return ''
  const beijing = new Date(moment.getTime() + 8 * 3600 * 1000).toISOString()
  return `${beijing.slice(0, 10)} ${beijing.slice(11, 16)}`
}

// A month in Beijing time as report bounds: this month so far (offset 0), or a whole earlier month (-1, …).
function monthRange (offset) {
  const now = new Date(Date.now() + 8 * 3600 * 1000)
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1))
  const end = offset ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset + 1, 0)) : now
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) }
}

const AGENT_STATUS = { active: '正常', suspended: '已暂停', left: '已退出', pending: '待审核' }
const APPLICATION_STATUS = { pending: '待审核', approved: '已通过', rejected: '未通过' }
const WITHDRAWAL_STATUS = { pending: '待审核', approved: '已批准', transferring: '转账中', rejected: '已拒绝', paid: '已打款',
  failed: '转账失败，已退回' }

// A scanned label's QR is the code's scan-page URL (…/v/<code>); a typed or bar code is the code itself.
function codeFrom (scanned) {
  const text = String(scanned || '').trim()
  const match = /\/v\/([^/?#]+)/.exec(text)
  return match ? decodeURIComponent(match[1]) : text
}

module.exports = { codeFrom, localTime, monthRange, AGENT_STATUS, APPLICATION_STATUS, WITHDRAWAL_STATUS }
