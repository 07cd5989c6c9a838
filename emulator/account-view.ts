/**
 * @module emulator/account-view
 * The demo account as `GetAccountInfoResponse` (`GET /restapi/v1.0/account/{accountId}`): id, main number, the
 * operator extension (the admin), brand and plans, sign-up state, status, regional settings with the currency and
 * limits. Fixed values; URIs use the emulator's base URL and numeric ids.
 *
 * @see spec/rc-public-openapi.yml `readAccountInfo`, `components.schemas.GetAccountInfoResponse`
 */
import type { DemoData } from './data.js';
import { DEMO } from './demo.js';
import { accountUri, extensionUri, REGIONAL_SETTINGS } from './extension-view.js';

/** When the demo account was created (before any of its extensions). */
const ACCOUNT_CREATED = '2022-04-11T16:20:00.000Z';

/** The account record. */
export function renderAccountInfo(base: string, data: DemoData): Record<string, unknown> {
  const uri = accountUri(base, data);
  const unitedStates = {
    id: '1',
    uri: `${base}/restapi/v1.0/dictionary/country/1`,
    name: 'United States',
    isoCode: 'US',
    callingCode: '1',
  };
  return {
    uri,
    id: data.accountIdNumber,
    mainNumber: data.mainNumber,
    operator: {
      uri: extensionUri(base, data, DEMO.admin.extensionId),
      id: DEMO.admin.extensionId,
      extensionNumber: DEMO.admin.extensionNumber,
    },
    serviceInfo: {
      uri: `${uri}/service-info`,
      brand: { id: '1210', name: 'RingCentral', homeCountry: unitedStates },
      uBrand: { id: '1210', name: 'RingCentral' },
      servicePlan: { id: '8200', name: 'RingEX Advanced', edition: 'Advanced' },
      billingPlan: {
        id: '1000',
        name: 'Monthly',
        durationUnit: 'Month',
        duration: 1,
        type: 'Regular',
        includedPhoneLines: 20,
      },
      contractedCountry: unitedStates,
    },
    setupWizardState: 'Completed',
    signupInfo: {
      tosAccepted: true,
      signupState: ['AccountCreated', 'BillingEntered', 'CreditCardApproved', 'AccountConfirmed'],
      marketingAccepted: false,
      creationTime: ACCOUNT_CREATED,
    },
    status: 'Confirmed',
    regionalSettings: {
      ...REGIONAL_SETTINGS(base),
      currency: { id: 1, code: 'USD', name: 'US Dollar', symbol: '$', minorSymbol: '¢' },
    },
    federated: false,
    limits: {
      freeSoftPhoneLinesPerExtension: 1,
      meetingSize: 100,
      cloudRecordingStorage: 10,
      maxMonitoredExtensionsPerUser: 100,
      maxExtensionNumberLength: 5,
      siteCodeLength: 0,
      shortExtensionNumberLength: 3,
    },
  };
}
