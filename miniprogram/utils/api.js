// The one API client: base URL from config.js, the bearer token kept in storage, one new login on a 401, and
// errors carrying the server's own Chinese message ({"error": {"code", "message", "fields"}}).
const config = require('../config')

const TOKEN_KEY = 'token'
const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'

class ApiError extends Error {
  constructor (status, code, message, fields) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields || {}
  }
}

function errorFrom (status, body) {
  const error = body && typeof body === 'object' && body.error
  if (error && error.message) {
    const fieldMessages = Object.values(error.fields || {})
    const message = fieldMessages.length && error.code === 'invalid_input' ? fieldMessages.join('；') : error.message
    return new ApiError(status, error.code, message, error.fields)
  }
  return new ApiError(status, 'http_error', `服务器暂时无法处理（${status}），请稍后再试`)
}

function url (path) {
  return config.baseUrl.replace(/\/$/, '') + path
}

function send (method, path, data, token) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: url(path),
      method,
      data,
      header: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      success: (res) => resolve(res),
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE))
    })
  })
}

function wxLogin () {
  return new Promise((resolve, reject) => {
    wx.login({ success: (res) => resolve(res.code), fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)) })
  })
}

async function login () {
  const res = config.devLogin
    ? await send('POST', '/api/mp/auth/dev-login', config.devLogin)
    : await send('POST', '/api/mp/auth/login', { code: await wxLogin() })
  if (res.statusCode !== 200) throw errorFrom(res.statusCode, res.data)
  wx.setStorageSync(TOKEN_KEY, res.data.token)
  return res.data.token
}

async function withToken (call) {
  let token = wx.getStorageSync(TOKEN_KEY) || await login()
  let res = await call(token)
  if (res.statusCode === 401) {
    wx.removeStorageSync(TOKEN_KEY)
    token = await login()
    res = await call(token)
  }
  if (res.statusCode >= 400) throw errorFrom(res.statusCode, res.data)
  return res.data
}

function request (method, path, data) {
  return withToken((token) => send(method, path, data, token))
}

// A multipart upload (payment proof): wx.uploadFile answers the body as text.
function upload (path, filePath, name, formData) {
  return withToken((token) => new Promise((resolve, reject) => {
    wx.uploadFile({
      url: url(path),
      filePath,
      name,
      formData,
      header: { Authorization: `Bearer ${token}` },
      success: (res) => {
        let body = res.data
        try { body = JSON.parse(res.data) } catch (err) { body = null }
        resolve({ statusCode: res.statusCode, data: body })
      },
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE))
    })
  }))
}

// A file the server draws for the signed-in agent (invite code, certificate) downloaded to a temporary path;
// `failure` is the words shown when it cannot be had.
function download (path, failure) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: url(path),
      header: { Authorization: `Bearer ${wx.getStorageSync(TOKEN_KEY)}` },
      success: (res) => (res.statusCode === 200 ? resolve(res.tempFilePath) : reject(new ApiError(res.statusCode, 'download', failure))),
      fail: () => reject(new ApiError(0, 'download', failure))
    })
  })
}

// An idempotency key for a request the agent may send again (a retry answers the first, never a second).
function newKey (prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
}

function query (params) {
  const parts = Object.keys(params).filter((key) => params[key] !== undefined && params[key] !== '')
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key])}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

module.exports = {
  ApiError,
  login,
  upload,
  download,
  newKey,
  query,
  url,
  get: (path, params) => request('GET', path + query(params || {})),
  post: (path, data) => request('POST', path, data || {}),
  put: (path, data) => request('PUT', path, data || {}),
  del: (path) => request('DELETE', path),
  signOut: () => wx.removeStorageSync(TOKEN_KEY)
}
