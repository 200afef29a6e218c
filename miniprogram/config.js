// Where the app finds the server, the one setting a brand changes (its https:// domain, listed as a request
// domain in the mini-program's console). devLogin signs in without WeChat against `make run` (DEV_LOGIN=1):
// {agent_id: 1} as a demo agent, {openid: 'dev-new-1'} as a new WeChat user; null uses wx.login().
module.exports = {
  baseUrl: 'http://127.0.0.1:5000',
  devLogin: null
}
