// The engine floor's provider (npm run bench): what a dynamic resource costs the engine when its provider calls
// nothing. Outputs are the inputs plus an id, as small as a resource's state can be.
const crypto = require("node:crypto");

/** The declared inputs, without the stored provider and the outputs this provider adds. */
function declared(props) {
  const rest = { ...props };
  delete rest.__provider;
  delete rest.itemId;
  return rest;
}

module.exports = {
  async check(_olds, news) {
    return { inputs: news };
  },
  async diff(_id, olds, news) {
    const before = declared(olds);
    const after = declared(news);
    const changed = Object.keys(after).some((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    return { changes: changed };
  },
  async create(inputs) {
    const id = crypto.randomUUID();
    return { id, outs: { ...declared(inputs), itemId: id } };
  },
  async read(id, props) {
    return { id, props: declared(props), inputs: declared(props) };
  },
  async update(id, _olds, news) {
    return { outs: { ...declared(news), itemId: id } };
  },
  async delete() {},
};
