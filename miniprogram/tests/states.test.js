// Every page first shows loading, and a bad network shows the error with a retry, never a blank page.
const fs = require('fs')
const path = require('path')
const { mount } = require('./support/mount')
const { text, ROOT } = require('./support/render')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const pages = [...app.pages, ...app.subPackages.flatMap((pkg) => pkg.pages.map((page) => `${pkg.root}/${page}`))]
  .map((page) => page.replace(/\/index$/, ''))
// The scan page waits for a tap before asking anything; its look-up is what goes to the network.
const OPEN = { 'more/scan': (comp) => comp.instance.check('AB12CD34EF') }
// An empty cart needs no network; a cart with a line asks for the quote.
const BEFORE = { 'pages/cart': () => require('../utils/cart').add({ product_id: 1, name: '面膜', price: '99.00' }) }
const OPTIONS = { 'pages/product': { id: '1' }, 'pages/pay': { id: '1' }, 'pages/order': { id: '1' } }

test.each(pages.filter((page) => !OPEN[page]))('%s shows loading before the first answer', (page) => {
  const { comp } = mount(page, { offline: true })
  expect(text(comp)).toContain('加载中')
})

test.each(pages)('%s shows the network error and a retry when offline', async (page) => {
  const { comp } = mount(page, { offline: true })
  if (BEFORE[page]) BEFORE[page]()
  await (OPEN[page] ? OPEN[page](comp) : comp.instance.onLoad(OPTIONS[page] || {}))
  expect(text(comp)).toContain('网络连接失败，请检查网络后重试')
  expect(comp.querySelector('.states').querySelector('.retry')).toBeDefined()
})
