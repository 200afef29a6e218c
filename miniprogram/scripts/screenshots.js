// The screenshots of docs/miniprogram.md: renders a few pages with demo answers in miniprogram-simulate and writes each as an HTML
// file (the page's DOM, its compiled WXSS and app.wxss, rpx at a 375 px wide phone) for a headless browser.
// Run by scripts/mp_screenshots.py (npm run screenshots; OUT=folder, default /tmp/mp-shots).
const fs = require('fs')
const path = require('path')
const { mount } = require('../tests/support/mount')
const { ROOT } = require('../tests/support/render')

const OUT = process.env.OUT || '/tmp/mp-shots'
const BASE = `
  body { margin: 0; width: 375px; font-family: "PingFang SC", "WenQuanYi Micro Hei", sans-serif; }
  wx-view, wx-scroll-view, wx-picker, wx-swiper { display: block; }
  wx-button { display: block; text-align: center; padding: 10px; border-radius: 6px; background: #f2f3f5; margin: 8px 0; }
  wx-button[size="mini"] { display: inline-block; padding: 4px 12px; font-size: 13px; }
  wx-input, wx-textarea { display: block; min-height: 20px; }
  wx-image { display: inline-block; }
  van-tag { display: inline-block; }`

function rpx (css) {
  return css.replace(/(-?\d*\.?\d+)rpx/g, (all, value) => `${Number(value) / 2}px`).replace(/(^|[\s,}])page\b/g, '$1body')
}

function write (name, comp) {
  const styles = [...document.querySelectorAll('style')].map((style) => style.textContent).join('\n')
  const html = `<!doctype html><meta charset="utf-8"><style>${BASE}\n${rpx(fs.readFileSync(path.join(ROOT, 'app.wxss'), 'utf8'))}
${rpx(styles)}</style><body>${comp.dom.outerHTML.replace(/class="main--/g, 'class="').replace(/ main--/g, ' ')}</body>`
  fs.mkdirSync(OUT, { recursive: true })
  fs.writeFileSync(path.join(OUT, `${name}.html`), html)
}

const SHOTS = {
  home: ['pages/home', { 'GET /api/mp/me/home': [200, {
    agent: { id: 4, name: '陈小美', level_name: '普通代理', status: 'active', term_ends_on: '2027-06-30' },
    todo: { orders_to_pay: 1, approvals_waiting: 2, low_stock: [{ product_id: 1, name: '玫瑰面霜', on_hand: 3 }] },
    level_progress: { text: '再进货 ¥3,200.00 可升级为区域代理' } }] }],
  catalogue: ['pages/catalogue', { 'GET /api/mp/catalogue': [200, [
    { product_id: 1, name: '玫瑰面霜', spec: '50g/瓶', unit: '瓶', images: [], retail_price: '199.00', price: '89.00', available: 120 },
    { product_id: 2, name: '玻尿酸面膜', spec: '10片/盒', unit: '盒', images: [], retail_price: '129.00', price: '59.00', available: 0 }]] }],
  order: ['pages/order', { 'GET /api/mp/orders/42': [200, { id: 42, order_no: 'WS20261202000042', status: 'shipped', status_name: '已发货',
    subtotal: '178.00', level_discount: '0.00', promotion_discount: '10.00', shipping: '8.00', total: '176.00', carrier: '顺丰速运', tracking_no: 'SF1234567890',
    consignee: { name: '张三', phone: '13900000000', province: '广东省', city: '深圳市', district: '南山区', address: '科苑路1号' },
    lines: [{ product_id: 1, product_name: '玫瑰面霜', quantity: 2, unit_price: '89.00', paid: '168.00' }],
    events: [{ action_name: '下单', created_at: '2026-12-02T02:00:00Z' }, { action_name: '确认付款', created_at: '2026-12-02T02:05:00Z' },
      { action_name: '发货', created_at: '2026-12-02T06:00:00Z' }] }],
  'GET /api/mp/orders/42/tracking': [200, { order_id: 42, link: { url: 'https://brand.example/t/x', show_prices: false },
    trace: { carrier_name: '顺丰', tracking_no: 'SF1234567890', state: '0', state_name: '运输中', lines: [
      { at: '2026-12-03T01:00:00Z', place: '广州市', text: '快件已到达广州转运中心' },
      { at: '2026-12-02T10:00:00Z', place: '深圳市', text: '顺丰速运 已收取快件' }] } }] }, { id: '42' }],
  money: ['pages/money', {
    'GET /api/mp/me/performance': [200, { own_purchase: '12000.00', team_purchase: '30000.00', recruits: 3, retail: '800.00' }],
    'GET /api/mp/finance/balance': [200, { pending: '429.50', available: '57.60', held: '0.00', withdrawn: '1000.00', owed: '0.00' }],
    'GET /api/mp/finance/commissions': [200, { items: [{ id: 1, amount: '36.00', explanation: '下级李华南的订单 WS20261130000031：一级佣金 3%', created_at: '2026-12-01T00:00:00Z' }] }],
    'GET /api/mp/finance/withdrawals': [200, { items: [{ id: 2, amount: '500.00', status: 'paid', created_at: '2026-11-01T00:00:00Z' }] }],
    'GET /api/mp/finance/goods': [200, { agent_id: 4, balance: '3024.00', held: '0.00' }],
    'GET /api/mp/finance/goods/entries': [200, { items: [
      { id: 7, amount: '-176.00', reason_name: '订单付款', memo: '订单 261202000042 付款', created_at: '2026-12-02T02:05:00Z' },
      { id: 6, amount: '3200.00', reason_name: '充值', memo: '转账充值 #3 工行尾号1234', created_at: '2026-12-01T03:00:00Z' }] }] }],
  pay: ['pages/pay', { 'GET /api/mp/orders/42': [200, { id: 42, order_no: '261202000042', status: 'pending_payment', status_name: '待付款',
    total: '176.00', awaiting_confirmation: false }], 'GET /api/mp/finance/goods': [200, { balance: '3200.00', held: '0.00' }] }, { id: '42' }],
  topup: ['more/topup', { 'GET /api/mp/finance/goods': [200, { balance: '3024.00', held: '0.00' }],
    'GET /api/mp/finance/goods/top-ups': [200, { items: [{ id: 3, amount: '3200.00', method: 'transfer', status: 'confirmed', created_at: '2026-12-01T03:00:00Z' },
      { id: 4, amount: '500.00', method: 'wechat', status: 'pending', created_at: '2026-12-02T03:00:00Z' }] }] }],
  cloud: ['more/cloud', {
    'GET /api/mp/cloud/stock': [200, [{ agent_id: 4, agent_name: '陈小美', product_id: 1, product_name: '玫瑰面霜', unit: '瓶', warehouse_id: 1,
      warehouse_name: '华南仓', units: 36, held_since: '2026-10-01T00:00:00Z', held_days: 63, held_months: 2 }]],
    'GET /api/mp/cloud/upline-offers': [200, [{ product_id: 2, product_name: '玻尿酸面膜', unit: '盒', price: '59.00', available: 120 }]],
    'GET /api/mp/cloud/pickups': [200, { items: [{ id: 9, status: 'shipped', status_name: '已发货', consignee: { name: '王女士' },
      carrier: '顺丰速运', tracking_no: 'SF1234567890', lines: [{ product_id: 1, product_name: '玫瑰面霜', quantity: 2 }] }] }] }],
  pickup: ['more/pickup', { 'GET /api/mp/cloud/stock': [200, [{ agent_id: 4, agent_name: '陈小美', product_id: 1, product_name: '玫瑰面霜',
    unit: '瓶', warehouse_id: 1, warehouse_name: '华南仓', units: 36, held_since: '2026-10-01T00:00:00Z', held_days: 63, held_months: 2 }]] },
  { product: '1' }]
}

test.each(Object.keys(SHOTS))('renders %s', async (name) => {
  const [page, routes, options] = SHOTS[name]
  const { comp } = mount(page, routes)
  await comp.instance.onLoad(options || {})
  write(name, comp)
})

