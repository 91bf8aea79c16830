import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppStores } from './stores/app-stores.js';
import { App } from './ui/App.js';
import { StoresProvider } from './ui/stores-context.js';
import './styles.css';

const stores = createAppStores();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <StoresProvider value={stores}>
      <App />
    </StoresProvider>
  </StrictMode>,
);
