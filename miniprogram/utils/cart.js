// The cart lives on the device (wx storage). It carries the idempotency key of its checkout: the key changes
// only when the cart does, so placing again after a network failure answers the first order, never a second.
const api = require('./api')
const money = require('./money')

const KEY = 'cart'

function read () {
  const cart = wx.getStorageSync(KEY)
  return cart && Array.isArray(cart.items) ? cart : { items: [], idempotencyKey: api.newKey('mp') }
}

function write (items) {
  const cart = { items, idempotencyKey: api.newKey('mp') }
  wx.setStorageSync(KEY, cart)
  return cart
}

function add (product, quantity = 1) {
  const items = read().items.slice()
  const found = items.find((item) => item.product_id === product.product_id)
  if (found) found.quantity += quantity
  else items.push({ product_id: product.product_id, name: product.name, price: product.price, quantity })
  return write(items)
}

function setQuantity (productId, quantity) {
  const items = read().items
    .map((item) => (item.product_id === productId ? { ...item, quantity } : item))
    .filter((item) => item.quantity > 0)
  return write(items)
}

function clear () {
  wx.removeStorageSync(KEY)
}

function count () {
  return read().items.reduce((total, item) => total + item.quantity, 0)
}

function total (cart) {
  return money.sum(cart.items.map((item) => money.times(item.price, item.quantity)))
}

function orderItems (cart) {
  return cart.items.map((item) => ({ product_id: item.product_id, quantity: item.quantity }))
}

module.exports = { read, add, setQuantity, clear, count, total, orderItems }
