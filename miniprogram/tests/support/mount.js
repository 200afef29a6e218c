// A page rendered against canned answers (plus a working login), for the page state tests.
const { install } = require('./wx')
const { render } = require('./render')

function mount (page, routes, options = {}) {
  const wx = install({ ...options, routes: { 'POST /api/mp/auth/login': [200, { token: 't', expires_in: 3600, user_id: 1 }], ...routes } })
  return { ...wx, comp: render(page) }
}

module.exports = { mount }
