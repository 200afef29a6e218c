// My authorization certificate (授权书): its number, level, region, term and status, the image the server draws
// (with the QR anyone scans to verify it) to save to the album for Moments, and the WeChat ID consumers may
// check me by (never shown to them).
const api = require('../../utils/api')
const { load, act, field, initial } = require('../../utils/page')

const IMAGE_PATH = '/api/mp/me/certificate.png'
const DENIED = /auth deny|auth denied|authorize/

Component({
  data: { ...initial, certificate: null, status: '', statusText: '', verifyUrl: '', image: '', wechatId: '', saved: false },
  methods: {
    onLoad () { return this.load() },
    load () {
      return load(this, async () => {
        const view = await api.get('/api/mp/me/certificate')
        const image = await api.download(IMAGE_PATH, '授权书图片下载失败，请重试')
        return { certificate: view.certificate, status: view.status, statusText: view.status_text,
          verifyUrl: view.verify_url, wechatId: view.wechat_id, image, saved: false }
      })
    },
    save () {
      return new Promise((resolve) => wx.saveImageToPhotosAlbum({
        filePath: this.data.image,
        success: () => {
          this.setData({ saved: true })
          wx.showToast({ title: '已保存到相册', icon: 'success' })
          resolve()
        },
        fail: (err) => {
          if (DENIED.test((err && err.errMsg) || '')) {
            wx.showModal({ title: '需要相册权限', content: '请在设置中允许保存到相册后重试',
              success: (res) => { if (res.confirm && wx.openSetting) wx.openSetting({}) } })
          } else {
            wx.showToast({ title: '保存失败，请重试', icon: 'none' })
          }
          resolve()
        }
      }))
    },
    preview () { wx.previewImage({ urls: [this.data.image], current: this.data.image }) },
    copyLink () { wx.setClipboardData({ data: this.data.verifyUrl }) },
    typeWechatId (e) { this.setData({ wechatId: field(e) }) },
    saveWechatId () {
      return act(this, () => api.put('/api/mp/me/wechat-id', { wechat_id: this.data.wechatId }), (result) => {
        this.setData({ wechatId: result.wechat_id })
        wx.showToast({ title: '微信号已登记', icon: 'success' })
      })
    }
  }
})
