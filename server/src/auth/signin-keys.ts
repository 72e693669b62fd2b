/** Redis keys of sign-in throttling (signin.lua is handed them): attempts that did not succeed in the current window. */
export const signinKeys = {
  account: (username: string) => `signin:account:${username}`,
  address: (address: string) => `signin:address:${address}`,
};
