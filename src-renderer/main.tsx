import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createStudio } from './stores/studio.js';
import { App } from './ui/App.js';
import { StudioProvider } from './ui/studio-context.js';
import './styles.css';

const studio = createStudio();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <StudioProvider value={studio}>
      <App />
    </StudioProvider>
  </StrictMode>,
);
