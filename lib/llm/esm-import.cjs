module.exports = (s) => import(s);
