// The invite poster: the brand, my name, level and invite code around the mini-program code that opens the application
// form, drawn on a canvas and saved to the photo album.
const api = require('../../utils/api')
const { load, initial } = require('../../utils/page')

const WIDTH = 600
const HEIGHT = 900

function draw (context, { profile, invite, image }) {
  context.setFillStyle('#07c160')
  context.fillRect(0, 0, WIDTH, HEIGHT)
  context.setFillStyle('#ffffff')
  context.fillRect(40, 200, WIDTH - 80, 620)
  context.setTextAlign('center')
  context.setFontSize(40)
  context.fillText(invite.brand, WIDTH / 2, 80)
  context.setFontSize(32)
  context.fillText('诚邀您加入我的团队', WIDTH / 2, 125)
  context.setFontSize(28)
  context.fillText(`${profile.name} · ${profile.level_name}`, WIDTH / 2, 160)
  context.drawImage(image, 150, 240, 300, 300)
  context.setFillStyle('#323233')
  context.fillText(`邀请码 ${invite.invite_code}`, WIDTH / 2, 600)
  context.setFillStyle('#969799')
  context.setFontSize(24)
  context.fillText('微信扫码，填写资料申请成为代理', WIDTH / 2, 650)
  return new Promise((resolve) => context.draw(false, resolve))
}

function exportCanvas (page) {
  return new Promise((resolve, reject) => wx.canvasToTempFilePath({
    canvasId: 'poster', width: WIDTH, height: HEIGHT, success: (res) => resolve(res.tempFilePath), fail: reject
  }, page))
}

Component({
  data: { ...initial, width: WIDTH, height: HEIGHT, poster: '', saved: false },
  methods: {
    onLoad () { return this.load() },
    load () {
      return load(this, async () => {
        const [profile, invite] = await Promise.all([api.get('/api/mp/me/profile'), api.get('/api/mp/me/invite')])
        const image = await api.download(invite.image_url, '邀请码图片下载失败，请重试')
        await draw(wx.createCanvasContext('poster', this), { profile, invite, image })
        return { poster: await exportCanvas(this), inviteCode: invite.invite_code }
      })
    },
    save () {
      wx.saveImageToPhotosAlbum({
        filePath: this.data.poster,
        success: () => { this.setData({ saved: true }); wx.showToast({ title: '已保存到相册', icon: 'success' }) },
        fail: () => wx.showToast({ title: '保存失败，请允许保存到相册', icon: 'none' })
      })
    }
  }
})
