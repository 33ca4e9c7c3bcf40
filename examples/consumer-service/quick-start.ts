import { createWallet } from 'wallet-worker';

const userId = '<one of the users npm start printed>';
const wallet = await createWallet(); // no endpoint configured: the stack of the running `npm start`
const command = { idempotentKey: `demo-${Date.now()}`, userId, type: 'credit', amount: '10.00' };
const { reply } = await wallet.publishTransaction(command, { waitForReply: true }); // enqueue, wait for the worker's reply
console.log(reply); // { ...command, currency: 'USD', status: 'applied', transactionId, newBalance: '87.00', available: '87.00', processedAt, replayed: false }
console.log(await wallet.getCurrentBalance({ userId })); // { userId, currency: 'USD', status: 'active', balance: '87.00', available: '87.00', held: '0.00' }
await wallet.close();
