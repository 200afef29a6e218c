// A wx.* for tests: storage in memory, navigation and dialogs recorded, and wx.request either answered by a
// table of canned routes (page state tests) or sent as real HTTP to the live backend (journeys).
const http = require('http')
const fs = require('fs')
const path = require('path')

function httpCall ({ url, method = 'GET', headers = {}, body }) {
  // A Content-Length, not chunked encoding: the development server reads no chunked body.
  const sized = body ? { ...headers, 'Content-Length': Buffer.byteLength(body) } : headers
  return new Promise((resolve) => {
    const request = http.request(url, { method, headers: sized }, (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }))
    })
    request.on('error', (error) => resolve({ error }))
    request.setTimeout(15000, () => request.destroy(new Error('timeout')))
    if (body) request.write(body)
    request.end()
  })
}

function parsed (text) {
  try { return JSON.parse(text) } catch (err) { return text }
}

function multipart (fields, fileField, filePath) {
  const boundary = `----mp${Date.now().toString(16)}`
  const parts = Object.entries(fields || {}).map(([name, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  const type = filePath.endsWith('.png') ? 'image/png' : 'image/jpeg'
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; ` +
    `filename="${path.basename(filePath)}"\r\nContent-Type: ${type}\r\n\r\n`), fs.readFileSync(filePath),
  Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

function install (options = {}) {
  const storage = new Map()
  const record = { toasts: [], modals: [], navigations: [], clipboard: [], subscribed: [], saved: [], requests: [],
    payments: [], transfers: [] }
  const settings = {
    routes: options.routes || null,
    loginCode: options.loginCode || (() => Promise.resolve('test-login-code')),
    modalConfirm: true,
    scanResult: options.scanResult || '',
    chosenFile: options.chosenFile || '',
    address: options.address || null,
    payment: options.payment || (() => Promise.resolve({ errMsg: 'requestPayment:ok' })),
    merchantTransfer: options.merchantTransfer || (() => Promise.resolve({ errMsg: 'requestMerchantTransfer:ok' })),
    canIUse: options.canIUse || (() => true),
    subscribeAnswer: 'accept'
  }
  const answerRoute = (method, url, data) => {
    const route = new URL(url).pathname + new URL(url).search
    const key = `${method} ${route}`
    const handler = settings.routes[key] || settings.routes[`${method} ${new URL(url).pathname}`]
    if (!handler) return { statusCode: 404, data: { error: { code: 'not_found', message: '接口不存在', fields: {} } } }
    const [statusCode, body] = typeof handler === 'function' ? handler(data) : handler
    return { statusCode, data: body }
  }
  const wx = {
    getStorageSync: (key) => (storage.has(key) ? JSON.parse(storage.get(key)) : ''),
    setStorageSync: (key, value) => storage.set(key, JSON.stringify(value)),
    removeStorageSync: (key) => storage.delete(key),
    login: ({ success, fail }) => settings.loginCode().then((code) => success({ code }), fail),
    request: ({ url, method = 'GET', data, header, success, fail }) => {
      record.requests.push({ method, url, data })
      if (settings.routes) {
        if (settings.routes.offline) return setTimeout(() => fail({ errMsg: 'request:fail' }), 0)
        const answer = answerRoute(method, url, data)
        return setTimeout(() => success(answer), 0)
      }
      const body = method === 'GET' || data === undefined ? undefined : JSON.stringify(data)
      httpCall({ url, method, headers: header, body }).then((res) => (res.error
        ? fail({ errMsg: 'request:fail' })
        : success({ statusCode: res.status, data: parsed(res.text) })))
    },
    uploadFile: ({ url, filePath, name, formData, header, success, fail }) => {
      record.requests.push({ method: 'UPLOAD', url, data: formData })
      if (settings.routes) {
        const answer = answerRoute('POST', url, formData)
        return setTimeout(() => success({ statusCode: answer.statusCode, data: JSON.stringify(answer.data) }), 0)
      }
      const { body, contentType } = multipart(formData, name, filePath)
      httpCall({ url, method: 'POST', headers: { ...header, 'Content-Type': contentType }, body })
        .then((res) => (res.error ? fail({ errMsg: 'uploadFile:fail' }) : success({ statusCode: res.status, data: res.text })))
    },
    showToast: ({ title }) => record.toasts.push(title),
    showModal: ({ title, content, success }) => {
      record.modals.push({ title, content })
      if (success) success({ confirm: settings.modalConfirm, cancel: !settings.modalConfirm, content: settings.modalContent || '' })
    },
    showLoading: () => {},
    hideLoading: () => {},
    navigateTo: ({ url }) => record.navigations.push(url),
    redirectTo: ({ url }) => record.navigations.push(url),
    switchTab: ({ url }) => record.navigations.push(url),
    reLaunch: ({ url }) => record.navigations.push(url),
    navigateBack: () => record.navigations.push('back'),
    setClipboardData: ({ data, success }) => { record.clipboard.push(data); if (success) success() },
    requestSubscribeMessage: ({ tmplIds, success }) => {
      record.subscribed.push(tmplIds)
      success(Object.fromEntries(tmplIds.map((id) => [id, settings.subscribeAnswer])))
    },
    requestPayment: (params) => {
      record.payments.push(params)
      settings.payment(params).then((res) => params.success(res), (err) => params.fail(err))
    },
    requestMerchantTransfer: (params) => {
      record.transfers.push(params)
      settings.merchantTransfer(params).then((res) => params.success(res), (err) => params.fail(err))
    },
    canIUse: (name) => settings.canIUse(name),
    scanCode: ({ success, fail }) => (settings.scanResult ? success({ result: settings.scanResult }) : fail({ errMsg: 'scanCode:fail cancel' })),
    chooseMedia: ({ success, fail }) => (settings.chosenFile
      ? success({ tempFiles: [{ tempFilePath: settings.chosenFile, size: fs.statSync(settings.chosenFile).size }] })
      : fail({ errMsg: 'chooseMedia:fail cancel' })),
    chooseAddress: ({ success, fail }) => (settings.address ? success(settings.address) : fail({ errMsg: 'chooseAddress:fail cancel' })),
    downloadFile: ({ url, success }) => success({ statusCode: 200, tempFilePath: url }),
    canvasToTempFilePath: ({ success }) => success({ tempFilePath: 'wxfile://poster.png' }),
    saveImageToPhotosAlbum: ({ filePath, success }) => { record.saved.push(filePath); success() },
    stopPullDownRefresh: () => {}
  }
  global.wx = wx
  return { wx, record, settings, storage }
}

module.exports = { install, httpCall }
